using Microsoft.CodeAnalysis;
using Xunit.Abstractions;

namespace Decoding.Tests.Architecture;

/// <summary>
/// The layer rules over the stage folders of src/, on the dependency graph that Roslyn's semantic model gives
/// (FolderDependencies): no cycles, nothing uses Cli, Core uses nothing of the project, Fmri never uses Decoding,
/// and every folder uses only folders earlier in the pipeline.
/// </summary>
public class FolderDependencyTests(ITestOutputHelper output)
{
    /// <summary>The pipeline order: a folder may depend only on folders before it.</summary>
    public static readonly IReadOnlyList<string> StageOrder =
    [
        "Fmri/Core",
        "Fmri/Data",
        "Fmri/Ridge",
        "Fmri/EncodingModels",
        "Fmri/MaskedBrainModeling",
        "Decoding/Diffusion",
        "Decoding/Models",
        "Decoding/Conditioning",
        "Decoding/LatentDiffusion",
        "Decoding/DoubleConditioning",
        "Decoding/Metrics",
        "Decoding/Decode",
        "Decoding/BrainAttention",
        "Decoding/Personalization",
        "Decoding/Editing",
        "Decoding/Evaluation",
        "Decoding/Reports",
        "Decoding/Notebooks",
        "Decoding/Benchmarks",
        "Decoding/Demo",
        "Decoding/Cluster",
        "Decoding/Cli",
        "Decoding", // the entry point, Program.cs
    ];

    /// <summary>The graph of src/; fails when the compilation has errors that make binding unreliable.</summary>
    private static FolderDependencies Graph()
    {
        var graph = FolderDependencies.OfRepository();
        Assert.True(graph.Errors.Count == 0,
            $"{graph.Errors.Count} compilation errors, so the dependency graph is unreliable; the first ones:\n" + string.Join("\n", graph.Errors.Take(8)));
        Assert.True(graph.FileCount > 100 && graph.Edges.Count > 10, $"only {graph.FileCount} files and {graph.Edges.Count} edges: the analysis found almost nothing");
        return graph;
    }

    [Fact]
    public void Stage_folders_have_no_cycles()
    {
        var graph = Graph();
        var report = graph.Cycles().Select(cycle =>
            "cycle " + string.Join(" -> ", cycle) + ":\n" +
            string.Join("\n", cycle.Zip(cycle.Skip(1), (from, to) => "  " + graph.Describe(from, to))));
        Assert.True(graph.Cycles().Count == 0, "dependency cycles between stage folders:\n" + string.Join("\n", report));
    }

    [Fact]
    public void Nothing_but_the_entry_point_depends_on_Cli()
    {
        var graph = Graph();
        var offenders = graph.Edges.Keys.Where(e => e.To == "Decoding/Cli" && e.From != "Decoding").Select(e => graph.Describe(e.From, e.To)).ToList();
        Assert.True(offenders.Count == 0, "folders that depend on Decoding/Cli (only Program.cs may):\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void Core_depends_on_no_other_folder_of_the_project()
    {
        var graph = Graph();
        Assert.Contains("Fmri/Core", graph.Folders);
        var offenders = graph.DependenciesOf("Fmri/Core").Select(to => graph.Describe("Fmri/Core", to)).ToList();
        Assert.True(offenders.Count == 0, "Fmri/Core depends on:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void Fmri_never_depends_on_Decoding()
    {
        var graph = Graph();
        var offenders = graph.Edges.Keys.Where(e => e.From.StartsWith("Fmri/") && (e.To == "Decoding" || e.To.StartsWith("Decoding/")))
            .Select(e => graph.Describe(e.From, e.To)).ToList();
        Assert.True(offenders.Count == 0, "Fmri folders that depend on Decoding:\n" + string.Join("\n", offenders));

        // And at the assembly level: the built Fmri.dll references no decoding assembly.
        var references = typeof(Fmri.Core.DataFormatException).Assembly.GetReferencedAssemblies().Select(a => a.Name);
        Assert.DoesNotContain("decoding", references);
    }

    [Fact]
    public void Every_folder_depends_only_on_earlier_stages()
    {
        var graph = Graph();
        var unplaced = graph.Folders.Except(StageOrder).ToList();
        Assert.True(unplaced.Count == 0, "stage folders missing from StageOrder (place them in the pipeline order): " + string.Join(", ", unplaced));

        var backwards = graph.Edges.Keys
            .Where(e => Rank(e.To) >= Rank(e.From))
            .OrderBy(e => Rank(e.From)).ThenBy(e => Rank(e.To))
            .Select(e => graph.Describe(e.From, e.To, maxTypePairs: 20)).ToList();
        Assert.True(backwards.Count == 0, "dependencies against the pipeline order:\n" + string.Join("\n", backwards));
    }

    private static int Rank(string folder) => StageOrder.Select((f, i) => (f, i)).Single(p => p.f == folder).i;

    [Fact]
    public void No_decoder_uses_the_evaluations_scoring_classifier()
    {
        // Decoding toward the metric would inflate it: the routes (Decode) and everything before them must not reach
        // Evaluation, where the scoring classifier lives; they may use the generic image measures in Metrics.
        var graph = Graph();
        int evaluation = StageOrder.ToList().IndexOf("Decoding/Evaluation");
        var offenders = graph.Edges.Keys.Where(e => e.To == "Decoding/Evaluation" && StageOrder.ToList().IndexOf(e.From) is int i && i >= 0 && i < evaluation).ToList();
        Assert.True(offenders.Count == 0, "folders before Evaluation that use it:\n" + string.Join("\n", offenders.Select(e => $"{e.From} -> {e.To}")));
        Assert.DoesNotContain(graph.Edges.Keys, e => e.From == "Decoding/Metrics" && e.To == "Decoding/Evaluation");
    }

    /// <summary>
    /// The folder edges above cannot see everything: the classifier's interface lives in Metrics, which routes may use,
    /// and the decode command sits after Evaluation in the stage order. So the routes' sources (Decode) and the decode
    /// command's must not name the scoring classifier's types, its trainer, its model folder or its weights file at all
    /// (generic measures such as 2-way identification in pixels, which selection scores with, are fine).
    /// </summary>
    [Fact]
    public void No_decoder_source_names_the_scoring_classifier()
    {
        var forbidden = new System.Text.RegularExpressions.Regex(
            @"\b(IImageClassifier|SmallCnnClassifier|ClassifierOutput|ClassifierTrainer|ClassifierFolder|NWayTopOneAccuracy)\b|classifier\.safetensors|--classifier|""classifier""");
        string src = Path.Combine(RepositoryPaths.Root, "src", "Decoding");
        var files = Directory.EnumerateFiles(Path.Combine(src, "Decode"), "*.cs", SearchOption.AllDirectories)
            .Append(Path.Combine(src, "Cli", "DecodeCommand.cs"))
            .ToList();
        Assert.True(files.Count > 10, $"found only {files.Count} decoder sources");
        var hits = files.SelectMany(file => File.ReadLines(file).Select((line, i) => (file, line, number: i + 1)))
            .Where(x => forbidden.IsMatch(x.line))
            .Select(x => $"{Path.GetRelativePath(src, x.file)}:{x.number}: {x.line.Trim()}")
            .ToList();
        Assert.True(hits.Count == 0, "decoder sources that name the scoring classifier:\n" + string.Join("\n", hits));
        Assert.Matches(forbidden, "using var classifier = new SmallCnnClassifier(config);");   // the pattern catches a use
        Assert.Matches(forbidden, "var folder = Path.Combine(models, \"classifier\");");          // and the model folder by name
    }

    [Fact]
    public void The_stage_order_is_the_layout_of_src_and_the_listing_names_every_stage()
    {
        // StageOrder is the README's layout table: every folder it names exists, every folder of src/Fmri and
        // src/Decoding with sources is in it (a new or renamed stage must be placed in the order), and the listing shows each.
        var graph = Graph();
        output.WriteLine($"{graph.FileCount} files, {graph.NamesBound} names bound, {graph.Edges.Count} folder edges; analysis took {graph.Elapsed.TotalSeconds:F1} s ({graph.Timing})");
        string listing = graph.Listing();
        output.WriteLine(listing);
        string src = Path.Combine(RepositoryPaths.Root, "src");
        var onDisk = new[] { "Fmri", "Decoding" }
            .SelectMany(project => Directory.GetDirectories(Path.Combine(src, project))
                .Where(d => Path.GetFileName(d) is not ("bin" or "obj") && Directory.EnumerateFiles(d, "*.cs", SearchOption.AllDirectories).Any())
                .Select(d => $"{project}/{Path.GetFileName(d)}"))
            .ToHashSet();
        Assert.Equal(onDisk.Order(), StageOrder.Where(stage => stage.Contains('/')).Order());   // all but the entry point
        var edged = graph.Edges.Keys.SelectMany(e => new[] { e.From, e.To }).ToHashSet();
        foreach (var stage in StageOrder.Where(edged.Contains))
            Assert.Contains(stage, listing);
    }

    [Fact]
    public void Analysis_finds_a_cycle_in_known_sources()
    {
        // Lib/A and Lib/B use each other through a field type, a static call, an extension method, an attribute, a
        // target-typed new, a parameter type and a using alias; Lib/C only mentions B in a string, a comment, a namespace
        // and a doc comment's cref.
        // App/Entry.cs (a second assembly, at its root) uses Lib/C.
        var lib = new AssemblySources("Lib",
        [
            new SourceFile("Lib/A/Alpha.cs", """
                namespace Lib.A;
                using Beta = Lib.B.Beta;
                public class Alpha
                {
                    private readonly Beta beta = new();
                    public int Use() => Lib.B.Beta.Twice(3);
                }
                """),
            new SourceFile("Lib/A/Marker.cs", """
                namespace Lib.A;
                public sealed class MarkerAttribute : System.Attribute { }
                public static class AlphaExtensions { public static int Size(this Alpha alpha) => 1; }
                """),
            new SourceFile("Lib/B/Beta.cs", """
                namespace Lib.B;
                using Lib.A;
                [Marker]
                public class Beta
                {
                    public static int Twice(int x) => 2 * x;
                    public List<int> Sizes(Alpha alpha) => [alpha.Size()];
                }
                public class Gamma { private Alpha? alpha; public Alpha Alpha => alpha ??= new(); }
                """),
            new SourceFile("Lib/C/Bystander.cs", """
                namespace Lib.C.B;
                /// <summary>Not a <see cref="Lib.B.Gamma"/>.</summary>
                public class Bystander
                {
                    // Lib.B.Beta is only named in this comment
                    public string Name => "Lib.B.Beta";
                }
                """),
        ], ["System", "System.Collections.Generic"], OutputKind.DynamicallyLinkedLibrary);
        var app = new AssemblySources("App",
        [
            new SourceFile("App/Entry.cs", """
                System.Console.WriteLine(new Lib.C.B.Bystander().Name);
                """),
        ], ["System"], OutputKind.ConsoleApplication);

        var graph = FolderDependencies.Analyze([lib, app], FolderDependencies.FrameworkReferences().ToList());

        Assert.Empty(graph.Errors);
        Assert.Equal(["App", "Lib/A", "Lib/B", "Lib/C"], graph.Folders);
        Assert.Equal(
            [("App", "Lib/C"), ("Lib/A", "Lib/B"), ("Lib/B", "Lib/A")],
            graph.Edges.Keys.OrderBy(e => e.From, StringComparer.Ordinal).ThenBy(e => e.To, StringComparer.Ordinal));
        // A using directive outside any type is charged to its file.
        Assert.Equal(
            ["Lib.A.Alpha -> Lib.B.Beta", "Lib/A/Alpha.cs -> Lib.B.Beta"],
            graph.Edges[("Lib/A", "Lib/B")].Keys.Select(p => $"{p.FromType} -> {p.ToType}").Order(StringComparer.Ordinal));
        Assert.Equal(
            ["Lib.B.Beta -> Lib.A.Alpha", "Lib.B.Beta -> Lib.A.AlphaExtensions", "Lib.B.Beta -> Lib.A.MarkerAttribute", "Lib.B.Gamma -> Lib.A.Alpha"],
            graph.Edges[("Lib/B", "Lib/A")].Keys.Select(p => $"{p.FromType} -> {p.ToType}").Order(StringComparer.Ordinal));

        Assert.Equal([("Lib/C", "Lib/B")], graph.DocumentationEdges.Keys);
        Assert.Equal(["Lib.C.B.Bystander -> Lib.B.Gamma"], graph.DocumentationEdges[("Lib/C", "Lib/B")].Keys.Select(p => $"{p.FromType} -> {p.ToType}"));

        var cycle = Assert.Single(graph.Cycles());
        Assert.Equal(["Lib/A", "Lib/B", "Lib/A"], cycle);
        Assert.Contains("Lib.A.Alpha -> Lib.B.Beta", graph.Describe("Lib/A", "Lib/B"));

        // Binding only the names that can name a source symbol gives the same graph as binding every name.
        var full = FolderDependencies.Analyze([lib, app], FolderDependencies.FrameworkReferences().ToList(), bindEveryName: true);
        Assert.True(full.NamesBound > graph.NamesBound);
        Assert.Equal(full.Listing(), graph.Listing());
    }

    [Fact]
    public void Analysis_reports_a_longer_cycle_as_its_shortest_path()
    {
        // X -> Y -> Z -> X, and W, outside the cycle, uses X: one cycle of three folders, named in order.
        var sources = new AssemblySources("P",
        [
            new SourceFile("P/X/X1.cs", "namespace P.X; public class X1 { public P.Y.Y1 Next; }"),
            new SourceFile("P/Y/Y1.cs", "namespace P.Y; public class Y1 { public P.Z.Z1 Next; }"),
            new SourceFile("P/Z/Z1.cs", "namespace P.Z; public class Z1 { public P.X.X1 Next; }"),
            new SourceFile("P/W/W1.cs", "namespace P.W; public class W1 { public P.X.X1 Uses; }"),
        ], ["System"], OutputKind.DynamicallyLinkedLibrary);
        var graph = FolderDependencies.Analyze([sources], FolderDependencies.FrameworkReferences().ToList());
        Assert.Empty(graph.Errors);
        var cycle = Assert.Single(graph.Cycles());
        Assert.Equal(["P/X", "P/Y", "P/Z", "P/X"], cycle);
    }

    [Fact]
    public void Analysis_reports_compilation_errors()
    {
        var broken = new AssemblySources("Broken",
            [new SourceFile("Broken/A/A.cs", "namespace Broken.A; public class A { public Missing M; }")],
            ["System"], OutputKind.DynamicallyLinkedLibrary);
        var graph = FolderDependencies.Analyze([broken], FolderDependencies.FrameworkReferences().ToList());
        Assert.Contains(graph.Errors, e => e.Contains("CS0246"));
    }

    [Fact]
    public void Stage_folders_are_the_first_level_under_the_assembly_folder()
    {
        Assert.Equal("Fmri/Core", FolderDependencies.StageFolder("Fmri/Core/IO/Hdf5.cs"));
        Assert.Equal("Fmri/Core", FolderDependencies.StageFolder("Fmri/Core/Check.cs"));
        Assert.Equal("Decoding/Evaluation", FolderDependencies.StageFolder("Decoding/Evaluation/Metrics/Clip.cs"));
        Assert.Equal("Decoding", FolderDependencies.StageFolder("Decoding/Program.cs"));
    }
}
