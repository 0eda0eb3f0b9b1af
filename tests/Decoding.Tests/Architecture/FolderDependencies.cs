using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Decoding.Tests.Architecture;

/// <summary>One source file of an assembly: its path relative to src/ (with '/', e.g. "Fmri/Core/Check.cs") and its text.</summary>
public sealed record SourceFile(string Path, string Text);

/// <summary>The sources of one assembly, as its csproj compiles them: files, global usings (implicit and &lt;Using&gt;), output kind.</summary>
public sealed record AssemblySources(string Name, IReadOnlyList<SourceFile> Files, IReadOnlyList<string> GlobalUsings, OutputKind Kind);

/// <summary>
/// The folder -> folder dependency graph of the source, computed with Roslyn's semantic model: every simple name in every
/// file (and every target-typed new) is bound, and when it is (or belongs to) a type declared in the analysed source, the
/// file's stage folder depends on the declaring file's stage folder. A stage folder is the first level under the assembly folder ("Fmri/Core",
/// "Decoding/Cli"); files directly in the assembly folder (Program.cs) belong to the assembly folder itself ("Decoding").
/// A cref in a doc comment is not a dependency; such references are kept apart (DocumentationEdges).
/// </summary>
public sealed class FolderDependencies
{
    /// <summary>The projects under src/, in build order (each references the compilations before it).</summary>
    public static readonly IReadOnlyList<string> Projects = ["Fmri/Fmri.csproj", "Decoding/Decoding.csproj"];

    /// <summary>The namespaces that the SDK's ImplicitUsings=enable imports for Microsoft.NET.Sdk projects.</summary>
    private static readonly string[] ImplicitUsings =
        ["System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks"];

    /// <summary>
    /// Errors that do not make binding unreliable. CS8795: a [GeneratedRegex] partial method has no implementation part
    /// because the analysis runs no source generator; its declaration and every call to it still bind.
    /// </summary>
    private static readonly HashSet<string> HarmlessErrors = ["CS8795"];

    private static readonly Lazy<FolderDependencies> RepositoryGraph = new(() => Analyze(RepositorySources(), RepositoryReferences()));

    /// <summary>The graph of src/ (computed once per test run).</summary>
    public static FolderDependencies OfRepository() => RepositoryGraph.Value;

    /// <summary>Each edge: from folder -> to folder, with the type pairs behind it (from type -> to type: number of names).</summary>
    public IReadOnlyDictionary<(string From, string To), IReadOnlyDictionary<(string FromType, string ToType), int>> Edges { get; }

    /// <summary>Every stage folder that holds a source file.</summary>
    public IReadOnlyList<string> Folders { get; }

    /// <summary>Compilation errors that make symbol resolution unreliable (should be empty).</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>
    /// Folder -> folder references made only in doc comments (a cref to a type of a folder the code does not use):
    /// not dependencies, listed for information.
    /// </summary>
    public IReadOnlyDictionary<(string From, string To), IReadOnlyDictionary<(string FromType, string ToType), int>> DocumentationEdges { get; }

    public int FileCount { get; }
    public int NamesBound { get; }
    public TimeSpan Elapsed { get; }

    /// <summary>Where the time went: parsing, compiling and binding, and the process's CPU time.</summary>
    public string Timing { get; }

    private FolderDependencies(
        Dictionary<(string, string), Dictionary<(string, string), int>> edges, Dictionary<(string, string), Dictionary<(string, string), int>> documentationEdges,
        IEnumerable<string> folders, IReadOnlyList<string> errors, int fileCount, int namesBound, TimeSpan elapsed, string timing)
    {
        Edges = edges.ToDictionary(e => e.Key, e => (IReadOnlyDictionary<(string, string), int>)e.Value);
        DocumentationEdges = documentationEdges.ToDictionary(e => e.Key, e => (IReadOnlyDictionary<(string, string), int>)e.Value);
        Timing = timing;
        Folders = folders.Distinct().Order(StringComparer.Ordinal).ToList();
        Errors = errors;
        FileCount = fileCount;
        NamesBound = namesBound;
        Elapsed = elapsed;
    }

    /// <summary>"Fmri/Core/IO/Hdf5.cs" -> "Fmri/Core"; "Decoding/Program.cs" -> "Decoding".</summary>
    public static string StageFolder(string path)
    {
        var parts = path.Replace('\\', '/').Split('/');
        return parts.Length > 2 ? $"{parts[0]}/{parts[1]}" : parts[0];
    }

    public IEnumerable<string> DependenciesOf(string folder) =>
        Edges.Keys.Where(e => e.From == folder).Select(e => e.To).Order(StringComparer.Ordinal);

    /// <summary>An edge with the types behind it, e.g. "Lib/A -> Lib/B: Lib.A.Alpha -> Lib.B.Beta (3), ..." (number of names).</summary>
    public string Describe(string from, string to, int maxTypePairs = 6) => Describe(Edges, from, to, maxTypePairs);

    private static string Describe(
        IReadOnlyDictionary<(string From, string To), IReadOnlyDictionary<(string FromType, string ToType), int>> edges, string from, string to, int maxTypePairs)
    {
        var pairs = edges[(from, to)].OrderByDescending(p => p.Value).ThenBy(p => p.Key.FromType, StringComparer.Ordinal).ThenBy(p => p.Key.ToType, StringComparer.Ordinal).ToList();
        var shown = pairs.Take(maxTypePairs).Select(p => $"{p.Key.FromType} -> {p.Key.ToType} ({p.Value})");
        string more = pairs.Count > maxTypePairs ? $", ... {pairs.Count - maxTypePairs} more type pairs" : "";
        return $"{from} -> {to}: {string.Join(", ", shown)}{more}";
    }

    /// <summary>
    /// The strongly connected components with more than one folder, each with one shortest cycle through it
    /// (the list of folders, first == last).
    /// </summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles()
    {
        var cycles = new List<IReadOnlyList<string>>();
        foreach (var component in StronglyConnectedComponents().Where(c => c.Count > 1))
        {
            var members = component.ToHashSet();
            string start = component.Min(StringComparer.Ordinal)!;
            // Breadth-first from start's successors back to start, within the component.
            var previous = new Dictionary<string, string>();
            var queue = new Queue<string>();
            foreach (var next in DependenciesOf(start).Where(members.Contains))
            {
                if (previous.TryAdd(next, start)) queue.Enqueue(next);
            }
            while (queue.Count > 0 && !previous.ContainsKey(start))
            {
                var node = queue.Dequeue();
                foreach (var next in DependenciesOf(node).Where(members.Contains))
                {
                    if (previous.TryAdd(next, node)) queue.Enqueue(next);
                }
            }
            var path = new List<string> { start };
            for (string node = previous[start]; node != start; node = previous[node]) path.Add(node);
            path.Add(start);
            path.Reverse();
            cycles.Add(path);
        }
        return cycles;
    }

    /// <summary>Tarjan's algorithm over the folder graph.</summary>
    private List<List<string>> StronglyConnectedComponents()
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var components = new List<List<string>>();
        var nodes = Folders.Concat(Edges.Keys.SelectMany(e => new[] { e.From, e.To })).Distinct().Order(StringComparer.Ordinal).ToList();

        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (var next in DependenciesOf(node))
            {
                if (!index.ContainsKey(next))
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (onStack.Contains(next))
                {
                    low[node] = Math.Min(low[node], index[next]);
                }
            }
            if (low[node] != index[node]) return;
            var component = new List<string>();
            string member;
            do
            {
                member = stack.Pop();
                onStack.Remove(member);
                component.Add(member);
            } while (member != node);
            components.Add(component);
        }

        foreach (var node in nodes.Where(n => !index.ContainsKey(n))) Visit(node);
        return components;
    }

    /// <summary>The whole list, one line per edge: "from -> to  (N type pairs, M names)".</summary>
    public string Listing()
    {
        var text = new StringBuilder();
        foreach (var from in Folders)
        {
            var targets = DependenciesOf(from).ToList();
            text.AppendLine(targets.Count == 0 ? $"{from} -> (nothing)" : $"{from} -> {string.Join(", ", targets)}");
            foreach (var to in targets)
            {
                var pairs = Edges[(from, to)];
                text.AppendLine($"    -> {to}  ({pairs.Count} type pairs, {pairs.Values.Sum()} names)");
            }
        }
        if (DocumentationEdges.Count > 0)
        {
            text.AppendLine("References in doc comments only (crefs; not dependencies):");
            foreach (var (from, to) in DocumentationEdges.Keys.OrderBy(e => e.From, StringComparer.Ordinal).ThenBy(e => e.To, StringComparer.Ordinal))
                text.AppendLine("    " + Describe(DocumentationEdges, from, to, 4));
        }
        return text.ToString();
    }

    /// <summary>
    /// Compiles the assemblies in order (each referencing the compilations before it) and binds every name that can
    /// name a type of the source or a member of one (every name at all with <paramref name="bindEveryName"/>, which gives
    /// the same graph, slower). The names are bound inside the compiler's own (concurrent) pass, by an analyzer that reads
    /// the semantic model holding the method bodies the compiler bound for its diagnostics: one binding instead of two.
    /// </summary>
    public static FolderDependencies Analyze(IReadOnlyList<AssemblySources> assemblies, IReadOnlyList<MetadataReference> references, bool bindEveryName = false)
    {
        var clock = Stopwatch.StartNew();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var parseOptions = new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.Parse);
        var folderOfTree = new Dictionary<SyntaxTree, string>();
        var edges = new Dictionary<(string, string), Dictionary<(string, string), int>>();
        var documentationEdges = new Dictionary<(string, string), Dictionary<(string, string), int>>();
        var errors = new List<string>();
        var compiled = new List<MetadataReference>();
        int files = 0, names = 0;
        TimeSpan parsing = default, compiling = default, mark = default;

        foreach (var assembly in assemblies)
        {
            var trees = assembly.Files
                .Select(f => CSharpSyntaxTree.ParseText(f.Text, parseOptions, path: f.Path))
                .ToList();
            foreach (var tree in trees) folderOfTree[tree] = StageFolder(tree.FilePath);
            var globalUsings = CSharpSyntaxTree.ParseText(
                string.Concat(assembly.GlobalUsings.Select(u => $"global using global::{u};\n")), parseOptions, path: $"<global usings of {assembly.Name}>");
            // Nullable analysis is left out: annotations never change which symbol a name binds to, and it costs time.
            var options = new CSharpCompilationOptions(assembly.Kind, nullableContextOptions: NullableContextOptions.Disable);
            var compilation = CSharpCompilation.Create(assembly.Name, trees.Append(globalUsings), references.Concat(compiled), options);
            parsing += clock.Elapsed - mark; mark = clock.Elapsed;

            var projectNames = bindEveryName ? null : ProjectNames(compilation, trees.Append(globalUsings));
            var collector = new NameCollector(tree => folderOfTree.ContainsKey(tree), (tree, model) => UsesIn(tree, model, folderOfTree, projectNames));
            var analysisOptions = new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: false);
            var diagnostics = compilation.WithAnalyzers([collector], analysisOptions).GetAllDiagnosticsAsync().GetAwaiter().GetResult();
            // AD0001 is an exception thrown in the analyzer, so part of the names went unbound.
            errors.AddRange(diagnostics
                .Where(d => d.Severity == DiagnosticSeverity.Error && !HarmlessErrors.Contains(d.Id) || d.Id == "AD0001")
                .Select(d => $"{assembly.Name}: {d}"));
            var uses = collector.Results.ToList();
            if (uses.Count != trees.Count) throw new InvalidOperationException($"{assembly.Name}: {uses.Count} of {trees.Count} files analysed");

            foreach (var (fileUses, fileNames) in uses)
            {
                files++;
                names += fileNames;
                foreach (var use in fileUses)
                {
                    var target = use.InDocumentation ? documentationEdges : edges;
                    if (!target.TryGetValue((use.From, use.To), out var pairs)) target[(use.From, use.To)] = pairs = [];
                    pairs[(use.FromType, use.ToType)] = pairs.GetValueOrDefault((use.FromType, use.ToType)) + 1;
                }
            }
            compiled.Add(compilation.ToMetadataReference());
            compiling += clock.Elapsed - mark; mark = clock.Elapsed;
        }

        // A doc-comment reference is listed apart only where the code itself does not depend on that folder.
        foreach (var edge in documentationEdges.Keys.Where(edges.ContainsKey).ToList()) documentationEdges.Remove(edge);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        string timing = $"parsing {parsing.TotalSeconds:F1} s, compiling and binding {compiling.TotalSeconds:F1} s; process CPU time {cpu.TotalSeconds:F1} s";
        return new FolderDependencies(edges, documentationEdges, folderOfTree.Values, errors, files, names, clock.Elapsed, timing);
    }

    /// <summary>
    /// The names a simple name must have to bind to a type of the source or a member of one: the names of the source's
    /// types (and attribute types without "Attribute") and of their members, the using aliases, and "var". Any other name
    /// binds to something else (a framework or package symbol, a namespace, a local), so it is not looked up: binding
    /// only these gives the same graph in less time.
    /// </summary>
    private static HashSet<string> ProjectNames(CSharpCompilation compilation, IEnumerable<SyntaxTree> trees)
    {
        var names = new HashSet<string>(StringComparer.Ordinal) { "var" };
        void AddType(INamedTypeSymbol type)
        {
            names.Add(type.Name);
            if (type.Name.EndsWith("Attribute", StringComparison.Ordinal)) names.Add(type.Name[..^"Attribute".Length]);
            names.UnionWith(type.MemberNames);
            foreach (var nested in type.GetTypeMembers()) AddType(nested);
        }
        void AddNamespace(INamespaceSymbol ns)
        {
            foreach (var type in ns.GetTypeMembers()) AddType(type);
            foreach (var inner in ns.GetNamespaceMembers()) AddNamespace(inner);
        }
        // This assembly's types and those of the source assemblies it references.
        AddNamespace(compilation.Assembly.GlobalNamespace);
        foreach (var reference in compilation.References.OfType<CompilationReference>())
            AddNamespace(reference.Compilation.Assembly.GlobalNamespace);
        foreach (var tree in trees)
        {
            names.UnionWith(tree.GetRoot().DescendantNodes(n => n is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax)
                .OfType<UsingDirectiveSyntax>().Where(u => u.Alias is not null).Select(u => u.Alias!.Name.Identifier.ValueText));
        }
        return names;
    }

    // The rules for analyzers shipped to the compiler (target framework, no Workspaces reference, release tracking) do
    // not apply to one that only runs in this test process.
#pragma warning disable RS1036, RS1038, RS1041, RS2008
    /// <summary>Runs the name binding of each file inside the compiler's own pass (see Analyze).</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class NameCollector(Func<SyntaxTree, bool> analyses, Func<SyntaxTree, SemanticModel, (List<Use>, int)> usesIn) : DiagnosticAnalyzer
    {
        // Never reported; an analyzer without a supported diagnostic is skipped as suppressed.
        private static readonly DiagnosticDescriptor Placeholder = new("ARCH0001", "Folder dependencies", "Folder dependencies", "Architecture", DiagnosticSeverity.Hidden, isEnabledByDefault: true);

        public ConcurrentBag<(List<Use> Uses, int Names)> Results { get; } = [];

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [Placeholder];

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze);
            context.RegisterSemanticModelAction(c =>
            {
                if (analyses(c.SemanticModel.SyntaxTree)) Results.Add(usesIn(c.SemanticModel.SyntaxTree, c.SemanticModel));
            });
        }
    }
#pragma warning restore RS1036, RS1038, RS1041, RS2008

    private sealed record Use(string From, string To, string FromType, string ToType, bool InDocumentation);

    /// <summary>The uses of types of other stage folders in one file: every simple name (and target-typed new), bound.</summary>
    private static (List<Use> Uses, int Names) UsesIn(
        SyntaxTree tree, SemanticModel model, IReadOnlyDictionary<SyntaxTree, string> folderOfTree, IReadOnlySet<string>? projectNames)
    {
        var uses = new List<Use>();
        int names = 0;
        string fromFolder = folderOfTree[tree];
        foreach (var node in tree.GetRoot().DescendantNodes(descendIntoTrivia: true))
        {
            IEnumerable<ISymbol> symbols;
            if (node is SimpleNameSyntax name)
            {
                if (projectNames is not null && !projectNames.Contains(name.Identifier.ValueText)) continue;
                var info = model.GetSymbolInfo(node);
                symbols = info.Symbol is { } symbol ? [symbol] : info.CandidateSymbols;
            }
            else if (node is ImplicitObjectCreationExpressionSyntax)
            {
                symbols = model.GetTypeInfo(node).Type is { } type ? [type] : [];
            }
            else continue;
            names++;

            foreach (var type in symbols.SelectMany(TypesOf).Distinct<INamedTypeSymbol>(SymbolEqualityComparer.Default))
            {
                foreach (var toFolder in type.DeclaringSyntaxReferences.Select(r => folderOfTree.GetValueOrDefault(r.SyntaxTree)).OfType<string>().Distinct())
                {
                    if (toFolder != fromFolder)
                        uses.Add(new Use(fromFolder, toFolder, EnclosingTypeName(node, model, tree), Name(type), node.IsPartOfStructuredTrivia()));
                }
            }
        }
        return (uses, names);
    }

    /// <summary>The types a bound symbol is or belongs to (a method's, property's, field's or event's containing type).</summary>
    private static IEnumerable<INamedTypeSymbol> TypesOf(ISymbol symbol)
    {
        switch (symbol)
        {
            case IAliasSymbol alias:
                foreach (var t in TypesOf(alias.Target)) yield return t;
                break;
            case IArrayTypeSymbol array:
                foreach (var t in TypesOf(array.ElementType)) yield return t;
                break;
            case IPointerTypeSymbol pointer:
                foreach (var t in TypesOf(pointer.PointedAtType)) yield return t;
                break;
            case INamedTypeSymbol named:
                yield return (INamedTypeSymbol)named.OriginalDefinition;
                break;
            case IMethodSymbol method:
                var declaring = (method.ReducedFrom ?? method).ContainingType;
                if (declaring is not null) yield return (INamedTypeSymbol)declaring.OriginalDefinition;
                break;
            case IPropertySymbol or IFieldSymbol or IEventSymbol when symbol.ContainingType is { } containing:
                yield return (INamedTypeSymbol)containing.OriginalDefinition;
                break;
            // Namespaces, locals, parameters, type parameters, labels, range variables, discards: not a type of the source.
        }
    }

    private static string Name(INamedTypeSymbol type)
    {
        // An extension block (C# 14) is named by its static class.
        while (type.TypeKind == TypeKind.Extension && type.ContainingType is { } container) type = container;
        return type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat);
    }

    private static string EnclosingTypeName(SyntaxNode node, SemanticModel model, SyntaxTree tree)
    {
        var declaration = node.Ancestors().FirstOrDefault(a => a is BaseTypeDeclarationSyntax or DelegateDeclarationSyntax);
        if (declaration is not null && model.GetDeclaredSymbol(declaration) is INamedTypeSymbol type) return Name(type);
        return tree.FilePath; // top-level statements and file-level using directives
    }

    /// <summary>The projects of src/ as their csproj files compile them (every .cs file under the project folder but bin/ and obj/).</summary>
    public static IReadOnlyList<AssemblySources> RepositorySources()
    {
        string src = Path.Combine(RepositoryPaths.Root, "src");
        var found = Directory.EnumerateFiles(src, "*.csproj", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(src, p).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();
        if (!found.Order(StringComparer.Ordinal).SequenceEqual(Projects.Order(StringComparer.Ordinal), StringComparer.Ordinal))
            throw new InvalidOperationException($"src/ holds the projects {string.Join(", ", found)}; FolderDependencies.Projects lists {string.Join(", ", Projects)}");

        var assemblies = new List<AssemblySources>();
        foreach (var project in Projects)
        {
            string csproj = Path.Combine(src, project);
            var xml = XDocument.Load(csproj);
            string? Property(string name) => xml.Descendants(name).Select(e => e.Value.Trim()).LastOrDefault();
            string assemblyName = Property("AssemblyName") ?? Path.GetFileNameWithoutExtension(csproj);
            var kind = Property("OutputType") is "Exe" ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary;
            var usings = ImplicitUsings.Concat(xml.Descendants("Using").Select(u => (string?)u.Attribute("Include")).OfType<string>()).Distinct().ToList();
            var files = RepositoryPaths.SourceFiles(Path.Combine("src", Path.GetDirectoryName(project)!))
                .Order(StringComparer.Ordinal)
                .Select(f => new SourceFile(Path.GetRelativePath(src, f).Replace('\\', '/'), File.ReadAllText(f)))
                .ToList();
            assemblies.Add(new AssemblySources(assemblyName, files, usings, kind));
        }
        return assemblies;
    }

    /// <summary>
    /// The framework (the trusted platform assemblies of the running shared framework) and the third-party package
    /// assemblies that decoding.deps.json lists (TorchSharp, PureHDF, MathNet.Numerics, ScottPlot, SkiaSharp,
    /// System.CommandLine, Spectre.Console and what they bring), from the test's output folder; not Fmri.dll or decoding.dll.
    /// </summary>
    public static IReadOnlyList<MetadataReference> RepositoryReferences()
    {
        var references = FrameworkReferences().ToList();
        string depsFile = Path.Combine(AppContext.BaseDirectory, "decoding.deps.json");
        if (!File.Exists(depsFile)) throw new FileNotFoundException($"no {depsFile}: the package assemblies of the decoding program are unknown");
        using var deps = JsonDocument.Parse(File.ReadAllText(depsFile));
        string target = deps.RootElement.GetProperty("runtimeTarget").GetProperty("name").GetString()!;
        var libraries = deps.RootElement.GetProperty("libraries");
        foreach (var library in deps.RootElement.GetProperty("targets").GetProperty(target).EnumerateObject())
        {
            if (libraries.GetProperty(library.Name).GetProperty("type").GetString() != "package") continue;
            if (!library.Value.TryGetProperty("runtime", out var runtime)) continue;
            foreach (var asset in runtime.EnumerateObject())
            {
                string dll = Path.Combine(AppContext.BaseDirectory, Path.GetFileName(asset.Name));
                if (!File.Exists(dll)) throw new FileNotFoundException($"{library.Name}'s {asset.Name} is not in the test's output folder");
                references.Add(MetadataReference.CreateFromFile(dll));
            }
        }
        return references;
    }

    /// <summary>The assemblies of the shared framework the tests run on.</summary>
    public static IEnumerable<MetadataReference> FrameworkReferences()
    {
        string frameworkFolder = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        string trusted = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        return trusted.Split(Path.PathSeparator)
            .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) && Path.GetDirectoryName(p) == frameworkFolder)
            .Order(StringComparer.Ordinal)
            .Select(p => MetadataReference.CreateFromFile(p));
    }
}
