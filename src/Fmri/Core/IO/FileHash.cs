using System.Security.Cryptography;

namespace Fmri.Core.IO;

/// <summary>Content hashes recorded in provenance so results can be traced to their exact inputs.</summary>
public static class FileHash
{
    /// <summary>Lower-case hex SHA-256 of a file's bytes.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
