using System.Text.Json;
using Decoding.Tests.Cli;
using Fmri.Data.Layouts;
using Fmri.Data.Stimuli;

namespace Decoding.Tests.Walkthrough;

/// <summary>
/// README "Bring your own data", run as written: every command of the section, in order, on the example files in
/// data/examples (a simulated two-category experiment, 90 training and 10 test trials of 28 x 28 images, written by
/// scipy.io.savemat, numpy and Pillow: data/examples/make_own_data.py). The one change is where results go: the
/// README's <c>out</c> variable is pointed at a temporary folder. Then the .npz and PNG + CSV forms of the same data
/// must give the same files as the .mat form.
/// </summary>
public class ByodWalkthroughTests
{
    [Fact]
    public void The_readme_walkthrough_runs_from_a_mat_file_to_a_report_and_every_form_of_the_data_gives_the_same_files()
    {
        using var temp = new TempFolder();
        var steps = ReadmeWalkthrough.Steps(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md")), "## Bring your own data");
        Assert.True(steps.Count(s => s.Variable is null) >= 13, $"only {steps.Count} steps found in the README section");
        var variables = new Dictionary<string, string>();
        var transcript = new List<(string Command, string Out, string Err)>();
        string previous = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(RepositoryPaths.Root);   // the README's paths are relative to the repository
        try
        {
            foreach (var (variable, words) in steps)
            {
                if (variable is not null)
                {
                    variables[variable] = variable == "out" ? temp.Path : ReadmeWalkthrough.Expand(words[0], variables);
                    continue;
                }
                var args = words.Select(w => ReadmeWalkthrough.Expand(w, variables)).ToArray();
                var (exit, output, error) = CliTestHarness.Run(args);
                Assert.True(exit == 0, $"decoding {string.Join(' ', args)} exited {exit}: {error}{output}");
                transcript.Add((string.Join(' ', args.Take(2)), output, error));
            }
        }
        finally
        {
            Directory.SetCurrentDirectory(previous);
        }
        string Out(string name) => Path.Combine(temp.Path, name);

        // The report exists and holds the four routes, each with its control, the pixel baseline and the two
        // references; the route chosen on validation is one of the two that record a validation score.
        Assert.True(File.Exists(Out("report/report.html")));
        using (var metrics = JsonDocument.Parse(File.ReadAllText(Out("report/metrics.json"))))
        {
            var rows = metrics.RootElement.GetProperty("rows").EnumerateArray()
                .Select(r => (Kind: r.GetProperty("kind").GetString(), Route: r.GetProperty("route").GetString())).ToList();
            foreach (string route in new[] { "lowlevel", "img2img", "encoding", "mindvis" })
            {
                Assert.Contains(("route", route), rows);
                Assert.Contains(("control", route), rows);
            }
            Assert.Contains(("baseline", "ridge-pixels"), rows);
            Assert.Contains(("reference", "mean-image"), rows);
            Assert.Contains(("reference", "class-mean"), rows);
            var choice = metrics.RootElement.GetProperty("route_choice");
            string chosen = choice.GetProperty("chosen").GetString()!;
            var compared = choice.GetProperty("candidates").EnumerateArray()
                .Select(c => (Method: c.GetProperty("method").GetString(), Route: c.GetProperty("route").GetString())).ToList();
            Assert.Equal(["encoding", "img2img"], compared.Select(c => c.Route).Order());
            Assert.Contains(compared, c => c.Method == chosen);
        }

        // The fMRI: 90 + 10 trials, two named categories, ids by position; the images carry the same ids.
        var fmri = CanonicalFile.Read(Out("fmri.h5"));
        Assert.Equal(100, fmri.SampleCount);
        Assert.Equal(563, fmri.VoxelCount);
        Assert.Equal(["T-shirt/top", "Trouser"], fmri.CategoryNames);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), fmri.StimulusIds.Select(s => s.Value));
        var stimuli = StimulusImageSet.Read(Out("stimuli.h5"));
        Assert.Equal((100, 28, 28, 1), (stimuli.Count, stimuli.Height, stimuli.Width, stimuli.Channels));
        Assert.Equal(fmri.StimulusIds, stimuli.StimulusIds);
        Assert.Equal(fmri.CategoryLabels, stimuli.CategoryLabels);

        // The image networks saw the 90 training stimuli only (the classifier holds out a seeded fifth of them).
        using (var description = JsonDocument.Parse(File.ReadAllText(Out("classifier/classifier.json"))))
        {
            var trained = description.RootElement.EnumerateObject().First(p => p.Name.Contains("stimulus", StringComparison.OrdinalIgnoreCase))
                .Value.EnumerateArray().Select(v => int.Parse(v.GetString()!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(72, trained.Count);
            Assert.All(trained, id => Assert.InRange(id, 1, 90));
        }
        foreach (string stage in new[] { "vae", "ldm" })
        {
            string manifest = File.ReadAllText(Out($"{stage}/run.json"));
            Assert.Contains("90 training stimuli", manifest);
            Assert.Contains("padded to 16x16", manifest);
            Assert.Contains("\"augmentation\"", manifest);
        }
        // Small-data mode spoke: pretrain-mbm's batch of 100 was clamped to the 81 training samples of its pool.
        Assert.Contains(transcript, t => t.Command == "pretrain-mbm --data" && t.Err.Contains("warning: --batch 100 is larger than the 81 training samples"));

        // The .npz and PNG + CSV forms give the same voxels, ids, labels, names and pixels as the .mat form.
        var fmriNpz = CanonicalFile.Read(Out("npz/fmri.h5"));
        Assert.Equal(fmri.Voxels, fmriNpz.Voxels);
        Assert.Equal(fmri.StimulusIds, fmriNpz.StimulusIds);
        Assert.Equal(fmri.CategoryLabels, fmriNpz.CategoryLabels);
        Assert.Equal(fmri.Splits, fmriNpz.Splits);
        foreach (string other in new[] { "npz/stimuli.h5", "png/stimuli.h5" })
        {
            var set = StimulusImageSet.Read(Out(other));
            Assert.Equal(stimuli.StimulusIds, set.StimulusIds);
            Assert.Equal(stimuli.CategoryLabels, set.CategoryLabels);
            Assert.Equal(stimuli.CategoryNames, set.CategoryNames);
            Assert.Equal(stimuli.Pixels, set.Pixels);
        }

        // NSD as it ships: the bare betas file described with what preprocessing needs; the session's trials carry
        // nsd_NNNNN ids and the stimulus file holds exactly those images.
        Assert.Contains(transcript, t => t.Command.StartsWith("inspect ", StringComparison.Ordinal) && t.Out.Contains("--design    nsd_expdesign.mat"));
        var nsd = CanonicalFile.Read(Out("nsd/pre.h5"));
        var design = NsdExpDesign.Read(Path.Combine(RepositoryPaths.Root, "tests/Fmri.Tests/Data/Import/Fixtures/nsd/nsd_expdesign.mat"), 2);
        var session1 = Enumerable.Range(0, NsdExpDesign.TrialsPerSession).ToList();
        Assert.Equal(session1.Count(t => !design.Shared1000[t]), nsd.Splits.Count(s => s == Fmri.Data.DataSplit.Train));
        Assert.Equal(session1.Where(t => design.Shared1000[t]).Select(t => design.NsdIndices[t]).Distinct().Count(),
            nsd.Splits.Count(s => s == Fmri.Data.DataSplit.Test));   // test repeats averaged per image
        Assert.All(nsd.StimulusIds, id => Assert.StartsWith("nsd_", id.Value));
        Assert.Equal(nsd.StimulusIds.Distinct().Order(), StimulusImageSet.Read(Out("nsd/stimuli.h5")).StimulusIds.Order());

        // Released weights: each import wrote the checkpoint the reading commands look for.
        foreach (string file in new[] { "mindvis-mbm/mbm.checkpoint.json", "sd-vae/vae.checkpoint.json", "sd-unet/unet.checkpoint.json" })
            Assert.True(File.Exists(Out(file)), file);
    }
}
