using System.Reflection;

namespace Fmri.Core;

/// <summary>The version recorded in every output this project writes.</summary>
public static class ToolInfo
{
    public static string Version { get; } =
        typeof(ToolInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ToolInfo).Assembly.GetName().Version?.ToString() ?? "unknown";
}
