using System.CommandLine;

namespace Decoding.Cli;

/// <summary>The `decoding` command-line program: one subcommand per pipeline stage.</summary>
public static class CommandLineApp
{
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("decoding: decode seen images from fMRI with a masked brain autoencoder and latent diffusion (MinD-Vis style).")
        {
            InspectCommand.Create(),
            PreprocessCommand.Create(),
            BenchmarkCommand.Create(),
        };
        return root;
    }

    public static int Run(string[] args) => BuildRoot().Parse(args).Invoke();
}
