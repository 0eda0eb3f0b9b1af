using Decoding.Cli;

namespace Decoding.Tests.Cli;

/// <summary>
/// Outputs are checked before any work starts, with the same one-line errors as inputs, and library errors name the
/// flag the user typed (not a preset field or a C# property).
/// </summary>
public class OutputAndSettingErrorsTests
{
    private static void AssertOneLine(int exit, string err, string expected)
    {
        Assert.Equal(CliErrors.BadInput, exit);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line, got:\n{err}");
        Assert.Equal(expected, lines[0]);
    }

    public static TheoryData<string[]> CommandsWritingAFolder() => new()
    {
        { ["simulate", "--train-per-category", "1"] },
        { ["train-vae", "--images", "fashion-mnist", "--preset", "tiny", "--steps", "1"] },
        { ["decode", "--model", ".", "--data", Fixture("canonical.h5"), "--stimuli", Fixture("canonical.h5")] },
        { ["evaluate", "--decoded", Fixture("canonical.h5"), "--stimuli", Fixture("canonical.h5"), "--classifier", "."] },
        { ["train-classifier", "--images", "fashion-mnist"] },
        { ["pretrain-mbm", "--data", Fixture("canonical.h5")] },
        { ["merge", "--shards", "."] },
        { ["sweep-table", "--points", "."] },
        { ["slurm", "--preset", "tiny", "--subjects", "2"] },
    };

    [Theory]
    [MemberData(nameof(CommandsWritingAFolder))]
    public void An_out_that_is_an_existing_file_is_one_line_and_nothing_is_written(string[] arguments)
    {
        using var folder = new TempFolder();
        string file = folder.Sub("taken.txt");
        File.WriteAllText(file, "not a folder");
        var (exit, _, err) = CliTestHarness.Run([.. arguments, "--out", file]);
        AssertOneLine(exit, err, $"error: --out {file}: is an existing file; name a folder");
        Assert.Equal(["taken.txt"], Directory.GetFileSystemEntries(folder.Path).Select(Path.GetFileName));
        Assert.Equal("not a folder", File.ReadAllText(file));
    }

    [Theory]
    [InlineData("decode", "error: --data: is required; --stimuli: is required; --out: is required (see 'decoding decode --help')")]
    [InlineData("train-adapter", "error: --data: is required; --stimuli: is required; --mbm: is required; --ldm: is required; --out: is required (see 'decoding train-adapter --help')")]
    [InlineData("evaluate", "error: --decoded: is required; --stimuli: is required; --classifier: is required; --out: is required (see 'decoding evaluate --help')")]
    [InlineData("import", "error: --out: is required; <file>: is required (see 'decoding import --help')")]
    [InlineData("stimuli import", "error: --out: is required; <source>: is required (see 'decoding stimuli import --help')")]
    public void Missing_required_options_and_arguments_are_named_together_in_one_line(string command, string expected)
    {
        var (exit, _, err) = CliTestHarness.Run(command.Split(' '));
        AssertOneLine(exit, err, expected);
    }

    [Theory]
    [InlineData("decode", "--data", "--stimuli", "--out")]
    [InlineData("train-adapter", "--data", "--stimuli", "--mbm", "--ldm", "--out")]
    [InlineData("evaluate", "--decoded", "--stimuli", "--classifier", "--out")]
    [InlineData("pretrain-mbm", "--data", "--out")]
    [InlineData("train-classifier", "--images", "--out")]
    [InlineData("merge", "--shards", "--out")]
    [InlineData("sweep-table", "--points", "--out")]
    [InlineData("slurm", "--out")]
    [InlineData("import", "--out")]
    [InlineData("stimuli import", "--out")]
    [InlineData("export-model", "--out")]
    public void The_help_marks_every_option_a_command_cannot_run_without(string command, params string[] required)
    {
        var (exit, help, _) = CliTestHarness.Run([.. command.Split(' '), "--help"]);
        Assert.Equal(0, exit);
        foreach (var option in required)
        {
            var line = help.Split('\n').FirstOrDefault(l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^\s+(-\w, )?{option}\b"));
            Assert.True(line is not null && line.Contains("(REQUIRED)"), $"{command} --help: {option} is not marked required: {line}");
        }
    }

    [Fact]
    public void An_out_below_a_file_is_one_line()
    {
        using var folder = new TempFolder();
        string file = folder.Sub("taken.txt");
        File.WriteAllText(file, "x");
        var (exit, _, err) = CliTestHarness.Run("simulate", "--out", Path.Combine(file, "sub"));
        AssertOneLine(exit, err, $"error: --out {Path.Combine(file, "sub")}: cannot be created: {file} is a file");
    }

    [Fact]
    public void Preset_fields_and_option_properties_are_named_by_the_flag_the_user_typed()
    {
        using var folder = new TempFolder();
        var (exit, _, err) = CliTestHarness.Run("train-vae", "--images", "fashion-mnist", "--preset", "tiny", "--steps", "0", "--out", folder.Sub("vae"));
        AssertOneLine(exit, err, "error: --steps 0: must be at least 1");
        (exit, _, err) = CliTestHarness.Run("train-ldm", "--vae", folder.Path, "--preset", "tiny", "--checkpoint-every", "0", "--out", folder.Sub("ldm"));
        AssertOneLine(exit, err, "error: --checkpoint-every 0: must be at least 1");
        (exit, _, err) = CliTestHarness.Run("preprocess", Fixture("canonical.h5"), "--patch-size", "0", "-o", folder.Sub("p.h5"));
        AssertOneLine(exit, err, "error: --patch-size 0: must be at least 1");
        (exit, _, err) = CliTestHarness.Run("simulate", "--snr", "0", "--out", folder.Sub("sim"));
        AssertOneLine(exit, err, "error: --snr 0: must be a finite number > 0");
        (exit, _, err) = CliTestHarness.Run("decode", "--model", folder.Path, "--data", Fixture("canonical.h5"), "--stimuli", Fixture("canonical.h5"),
            "--split", "validation", "--out", folder.Sub("d"));
        AssertOneLine(exit, err, "error: --split 'validation': is unknown; choose test, test-imagery or train");
        // The selection's fidelity floor: only with --select, only for img2img, a correlation's range.
        string[] decode = ["decode", "--ldm", folder.Path, "--data", Fixture("canonical.h5"), "--stimuli", Fixture("canonical.h5"), "--out", folder.Sub("d")];
        (exit, _, err) = CliTestHarness.Run([.. decode, "--route", "semantic", "--select", "--select-min-ssim", "0.5"]);
        AssertOneLine(exit, err, "error: --select-min-ssim 0.5: sets the fidelity img2img candidates keep; the semantic route has no low-level image to keep");
        (exit, _, err) = CliTestHarness.Run([.. decode, "--route", "img2img", "--select-min-pixcorr", "0.8"]);
        AssertOneLine(exit, err, "error: --select-min-pixcorr 0.8: is a floor of --select; add --select");
        (exit, _, err) = CliTestHarness.Run([.. decode, "--route", "img2img", "--select", "--select-min-pixcorr", "1.5"]);
        AssertOneLine(exit, err, "error: --select-min-pixcorr 1.5: must be between -1 and 1");
        (exit, _, err) = CliTestHarness.Run([.. decode, "--route", "img2img", "--low-level-prior", "choose"]);
        AssertOneLine(exit, err, "error: --low-level-prior choose: is chosen on the validation split of img2img --select; give none or category otherwise");
        (exit, _, err) = CliTestHarness.Run([.. decode, "--route", "semantic", "--low-level-prior", "category"]);
        AssertOneLine(exit, err, "error: --low-level-prior category: shapes the low-level latent of the lowlevel and img2img routes; the semantic route has none");
        (exit, _, err) = CliTestHarness.Run([.. decode, "--route", "lowlevel", "--low-level-prior", "classes"]);
        AssertOneLine(exit, err, "error: --low-level-prior 'classes': is unknown; choose none, category or choose");
        Assert.Empty(Directory.GetFileSystemEntries(folder.Path));
    }

    [Fact]
    public void A_value_outside_an_options_choices_is_one_line_naming_them()
    {
        var (exit, _, err) = CliTestHarness.Run("demo", "--preset", "huge", "--out", Path.Combine(Path.GetTempPath(), "never-written-demo"));
        AssertOneLine(exit, err, "error: --preset huge: Argument 'huge' not recognized. Must be one of: 'tiny', 'small' (see 'decoding demo --help')");
    }

    [Fact]
    public void Parser_errors_say_the_expected_type_in_words_and_point_to_the_command_recognised()
    {
        var (exit, _, err) = CliTestHarness.Run("decode", "--data", "x.h5", "--stimuli", "y.h5", "--samples", "2.5", "--out", Path.Combine(Path.GetTempPath(), "never-written-decode"));
        AssertOneLine(exit, err, "error: --samples 2.5: Cannot parse argument '2.5' for option '--samples' as a whole number. (see 'decoding decode --help')");
        (exit, _, err) = CliTestHarness.Run("stimuli", "import", "x.mat", "--image-size", "big", "-o", "y.h5");
        Assert.Contains("as a whole number", err);
        Assert.EndsWith("(see 'decoding stimuli import --help')", err.TrimEnd());
        (exit, _, err) = CliTestHarness.Run("frobnicate");
        Assert.Equal(CliErrors.BadInput, exit);
        Assert.EndsWith("(see 'decoding --help')", err.TrimEnd());
    }

    [Fact]
    public void A_setting_without_a_flag_in_this_command_keeps_its_library_name()
    {
        var parse = CommandLineApp.BuildRoot().Parse(["decode"]);
        Assert.Equal("--samples", CliErrors.FlagFor(parse, "samples"));
        Assert.Equal("vae_training.kl_weight", CliErrors.FlagFor(parse, "vae_training.kl_weight"));
        Assert.Equal("--steps", CliErrors.FlagFor(parse, "ldm_training.max_train_steps",
            new Dictionary<string, string> { ["ldm_training.max_train_steps"] = "--steps" }));
    }

    [Fact]
    public void An_out_that_is_an_input_or_another_runs_folder_or_the_routes_own_control_is_refused_before_anything_is_written()
    {
        using var temp = new TempFolder();
        string model = Directory.CreateDirectory(temp.Sub("model")).FullName;
        File.WriteAllText(Path.Combine(model, "run.json"), """{ "command": "train-ldm" }""");
        string data = Fixture("canonical.h5");

        var (exit, _, err) = CliTestHarness.Run("generate", "--model", model, "--prompt", "Trouser", "--out", model);
        AssertOneLine(exit, err, $"error: --out {model}: is also --model; give them different folders");

        (exit, _, err) = CliTestHarness.Run("decode", "--route", "lowlevel", "--data", data, "--stimuli", data, "--ldm", model,
            "--out", temp.Sub("d"), "--control-out", temp.Sub("d"));
        AssertOneLine(exit, err, $"error: --out {temp.Sub("d")}: is also --control-out; give them different folders");

        (exit, _, err) = CliTestHarness.Run("decode", "--route", "lowlevel", "--data", data, "--stimuli", data, "--ldm", model, "--out", Path.GetDirectoryName(data)!);
        AssertOneLine(exit, err, $"error: --out {Path.GetDirectoryName(data)}: holds --data ({data}); write to another folder so the input's records are kept");

        // The settings chosen by decode --select-only into the folder it then decodes into are not refused as an input there.
        string chosen = Directory.CreateDirectory(temp.Sub("chosen")).FullName;
        File.WriteAllText(Path.Combine(chosen, "selection.json"), "{}");
        (exit, _, err) = CliTestHarness.Run("decode", "--route", "lowlevel", "--data", data, "--stimuli", data, "--ldm", model,
            "--selection", Path.Combine(chosen, "selection.json"), "--out", chosen);
        Assert.Equal(CliErrors.BadInput, exit);
        Assert.DoesNotContain("holds --selection", err);
        Assert.Contains("--selection", err);
        Directory.Delete(chosen, recursive: true);

        (exit, _, err) = CliTestHarness.Run("train-ldm", "--vae", model, "--images", "fashion-mnist", "--preset", "tiny", "--out", model);
        AssertOneLine(exit, err, $"error: --out {model}: is also --vae; give them different folders");
        (exit, _, err) = CliTestHarness.Run("merge", "--shards", model, "--out", model);
        AssertOneLine(exit, err, $"error: --out {model}: is also --shards; give them different folders");

        (exit, _, err) = CliTestHarness.Run("pretrain-mbm", "--data", data, "--preset", "tiny", "--out", model);
        AssertOneLine(exit, err, $"error: --out {model}: holds the record of a 'train-ldm' run (run.json); choose another folder");

        (exit, _, err) = CliTestHarness.Run("sweep-table", "--points", model, model + "/", "--out", temp.Sub("s"));
        AssertOneLine(exit, err, $"error: --points {model}: is named twice; each point counts once");
        Assert.Equal(["model"], Directory.GetFileSystemEntries(temp.Path).Select(Path.GetFileName));
        Assert.Equal(["run.json"], Directory.GetFileSystemEntries(model).Select(Path.GetFileName));
    }

    [Fact]
    public void Settings_checked_before_the_output_folder_is_made()
    {
        using var temp = new TempFolder();
        string model = Directory.CreateDirectory(temp.Sub("model")).FullName;
        var (exit, _, err) = CliTestHarness.Run("generate", "--model", model, "--prompt", "Trouser", "--eta", "2", "--out", temp.Sub("a/b/g"));
        AssertOneLine(exit, err, "error: --eta 2: must be between 0 and 1");
        (exit, _, err) = CliTestHarness.Run("demo", "--preset", "tiny", "--threads", "0", "--out", temp.Sub("demo"));
        AssertOneLine(exit, err, "error: --threads 0: must be at least 1");
        (exit, _, err) = CliTestHarness.Run("preprocess", Fixture("canonical.h5"), "-o", temp.Sub("new") + "/");
        AssertOneLine(exit, err, $"error: --out {temp.Sub("new")}/: ends in a folder separator; name a file");
        (exit, _, err) = CliTestHarness.Run("slurm", "--program", "/bin/true", "--sweep", "--sweep-blends", "7", "--out", temp.Sub("study"));
        AssertOneLine(exit, err, "error: --sweep-blends 7: must be between 0 and 1");
        (exit, _, err) = CliTestHarness.Run("slurm", "--program", "/bin/true", "--sweep-strengths", "0.5", "--out", temp.Sub("study"));
        AssertOneLine(exit, err, "error: --sweep-strengths: shapes a sweep; add --sweep");
        string notProgram = Path.Combine(temp.Path, "settings.txt");
        File.WriteAllText(notProgram, "not a program");
        (exit, _, err) = CliTestHarness.Run("slurm", "--program", notProgram, "--out", temp.Sub("study"));
        AssertOneLine(exit, err, $"error: --program {notProgram}: is not an executable file; give the decoding program the nodes should run (e.g. a self-contained publish's dist/decoding/decoding)");
        File.Delete(notProgram);
        Assert.Equal(["model"], Directory.GetFileSystemEntries(temp.Path).Select(Path.GetFileName));
    }

    private static string Fixture(string name) => CliTestHarness.Fixture(name);
}
