using System.CommandLine;
using Decoding.Cli;
using Decoding.Tests.Evaluation;

namespace Decoding.Tests.Cli;

/// <summary>Console redirection is process-wide: these tests never run alongside other test classes.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EvaluateCommandCollection
{
    public const string Name = "evaluate command (console)";
}

/// <summary>Runs `evaluate` (not yet registered in CommandLineApp) in-process under its own root command.</summary>
public static class EvaluateCommandRunner
{
    public static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var root = new RootCommand("test") { EvaluateCommand.Create(), TrainClassifierCommand.Create() };
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            int exit = root.Parse(["evaluate", .. args]).Invoke();
            return (exit, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }
}

[Collection(EvaluateCommandCollection.Name)]
public sealed class EvaluateCommandTests
{
    private static string[] Arguments(string decoded, string? stimuli = null, params string[] extra)
    {
        var data = EvaluationTestData.Instance;
        return ["--decoded", decoded, "--stimuli", stimuli ?? data.StimuliFile, "--classifier", data.ClassifierFolder,
            "--out", Path.Combine(data.Folder, "cli-" + Guid.NewGuid().ToString("N")), "--permutations", "50", "--threads", "1", .. extra];
    }

    private static void AssertOneLineBadInput((int Exit, string Out, string Err) result, string mentions)
    {
        Assert.Equal(CliErrors.BadInput, result.Exit);
        var lines = result.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(mentions, lines[0]);
    }

    [Fact]
    public void AMissingDecodedFileExitsTwoWithOneLine()
        => AssertOneLineBadInput(EvaluateCommandRunner.Run(Arguments("/nonexistent/decoded.h5")), "--decoded");

    [Fact]
    public void AStimulusFileWithoutTheDecodedIdsExitsTwoNamingTheField()
    {
        var data = EvaluationTestData.Instance;
        string other = Path.Combine(data.Folder, "other-stimuli.h5");
        var set = Fmri.Data.Stimuli.StimulusImageSet.Read(data.StimuliFile);
        new Fmri.Data.Stimuli.StimulusImageSet(set.Pixels, set.Count, set.Height, set.Width, set.Channels,
            set.StimulusIds.Select(id => new Fmri.Data.StimulusId("other_" + id.Value)).ToArray(), set.CategoryLabels, set.CategoryNames).Write(other);
        AssertOneLineBadInput(EvaluateCommandRunner.Run(Arguments(data.PerfectFile, other)), "stimulus_id");
    }

    [Fact]
    public void WaysBeyondTheClassCountExitTwo()
        => AssertOneLineBadInput(EvaluateCommandRunner.Run(Arguments(EvaluationTestData.Instance.PerfectFile, null, "--ways", "2..9")), "--ways 5: must be between 2 and the classifier's 4 classes");

    [Fact]
    public void UnparsableWaysExitTwo()
        => AssertOneLineBadInput(EvaluateCommandRunner.Run(Arguments(EvaluationTestData.Instance.PerfectFile, null, "--ways", "two")), "--ways");

    [Fact]
    public void ANonHdf5DecodedFileExitsTwo()
    {
        string bad = Path.Combine(EvaluationTestData.Instance.Folder, "not-h5.h5");
        File.WriteAllText(bad, "not hdf5");
        AssertOneLineBadInput(EvaluateCommandRunner.Run(Arguments(bad)), bad);
    }

    [Fact]
    public void AGoodRunExitsZeroAndWritesEveryOutput()
    {
        var args = Arguments(EvaluationTestData.Instance.PerfectFile);
        var result = EvaluateCommandRunner.Run(args);
        Assert.True(result.Exit == 0, result.Err);
        string output = args[Array.IndexOf(args, "--out") + 1];
        foreach (var file in new[] { "metrics.json", "report.md", "report.html", "run.json", "accuracy_vs_n.png", "per_category.png", "grid.png" })
            Assert.True(File.Exists(Path.Combine(output, file)), file);
    }
}
