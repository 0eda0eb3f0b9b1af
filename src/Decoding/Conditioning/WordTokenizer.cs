using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Fmri.Core.IO;
using static TorchSharp.torch;

namespace Decoding.Conditioning;

/// <summary>
/// A word-level tokenizer whose vocabulary is the words of a data set's class names (lower case), e.g.
/// "T-shirt/top" gives "t-shirt" and "top". Every prompt becomes exactly <see cref="MaxLength"/> ids:
/// <c>&lt;bos&gt;</c>, the words (unknown words as <c>&lt;unk&gt;</c>, cut to fit), <c>&lt;eos&gt;</c>, then <c>&lt;pad&gt;</c>.
/// Ids 0-3 are the special tokens; the words follow in order of first appearance.
/// </summary>
public sealed partial class WordTokenizer
{
    public const string PadToken = "<pad>", BosToken = "<bos>", EosToken = "<eos>", UnkToken = "<unk>";
    public const int PadId = 0, BosId = 1, EosId = 2, UnkId = 3;

    /// <summary>Default number of ids per prompt: room for six words between &lt;bos&gt; and &lt;eos&gt;.</summary>
    public const int DefaultMaxLength = 8;

    private static readonly string[] SpecialTokens = [PadToken, BosToken, EosToken, UnkToken];
    private readonly Dictionary<string, int> ids;

    /// <summary>Builds a tokenizer from its word list (without the special tokens) and length.</summary>
    public WordTokenizer(IEnumerable<string> words, int maxLength = DefaultMaxLength)
    {
        ArgumentNullException.ThrowIfNull(words);
        if (maxLength < 3) throw new ArgumentException($"tokenizer: max length must be at least 3 (<bos>, one word, <eos>), got {maxLength}");
        var vocabulary = new List<string>(SpecialTokens);
        ids = SpecialTokens.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i, StringComparer.Ordinal);
        foreach (var word in words)
        {
            if (Words(word) is not [var single] || single != word)
                throw new ArgumentException($"tokenizer: '{word}' is not a single lower-case word");
            if (ids.ContainsKey(word)) continue;
            ids[word] = vocabulary.Count;
            vocabulary.Add(word);
        }
        Vocabulary = vocabulary;
        MaxLength = maxLength;
    }

    /// <summary>All tokens by id: the four special tokens, then the words.</summary>
    public IReadOnlyList<string> Vocabulary { get; }

    public int VocabularySize => Vocabulary.Count;

    /// <summary>Number of ids every prompt is encoded to.</summary>
    public int MaxLength { get; }

    /// <summary>
    /// A tokenizer over the words of <paramref name="classNames"/> (and of <paramref name="extraWords"/>, e.g. the words
    /// of a prompt template such as "a photo of a").
    /// </summary>
    public static WordTokenizer FromClassNames(IEnumerable<string> classNames, int maxLength = DefaultMaxLength, IEnumerable<string>? extraWords = null)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        var words = classNames.SelectMany(Words).ToList();
        if (words.Count == 0) throw new ArgumentException("tokenizer: the class names contain no words");
        if (extraWords is not null) words.AddRange(extraWords.SelectMany(Words));
        return new WordTokenizer(words, maxLength);
    }

    /// <summary>Splits text into lower-case words: ASCII letters and digits, joined by inner hyphens or apostrophes.</summary>
    public static IReadOnlyList<string> Words(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return WordPattern().Matches(text.ToLowerInvariant()).Select(m => m.Value).ToList();
    }

    /// <summary>The ids of one prompt, exactly <see cref="MaxLength"/> long.</summary>
    public int[] Encode(string prompt)
    {
        var result = new int[MaxLength]; // <pad> = 0 everywhere not written below
        result[0] = BosId;
        var words = Words(prompt);
        int kept = Math.Min(words.Count, MaxLength - 2);
        for (int i = 0; i < kept; i++)
            result[1 + i] = ids.TryGetValue(words[i], out int id) ? id : UnkId;
        result[1 + kept] = EosId;
        return result;
    }

    /// <summary>The ids of a batch of prompts as an int64 tensor (B, MaxLength) on the CPU.</summary>
    public Tensor EncodeBatch(IReadOnlyList<string> prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        if (prompts.Count == 0) throw new ArgumentException("tokenizer: no prompts given");
        var flat = prompts.SelectMany(p => Encode(p).Select(id => (long)id)).ToArray();
        return tensor(flat, new long[] { prompts.Count, MaxLength }); // (B, L)
    }

    /// <summary>The words of an id sequence, special tokens left out.</summary>
    public string Decode(IEnumerable<int> tokenIds)
    {
        var words = new List<string>();
        foreach (int id in tokenIds)
        {
            if (id < 0 || id >= Vocabulary.Count) throw new ArgumentException($"tokenizer: id {id} is outside the vocabulary (0..{Vocabulary.Count - 1})");
            if (id == UnkId) words.Add(UnkToken);
            else if (id > UnkId) words.Add(Vocabulary[id]);
        }
        return string.Join(' ', words);
    }

    /// <summary>Writes the vocabulary and length as JSON, atomically (it belongs next to the conditioner's weights).</summary>
    public void Save(string path)
    {
        var file = new TokenizerFile { MaxLength = MaxLength, Vocabulary = Vocabulary.ToArray() };
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(file, JsonOptions) + "\n");
    }

    /// <summary>Reads a tokenizer written by <see cref="Save"/>; errors name the file and field.</summary>
    public static WordTokenizer Load(string path)
    {
        TokenizerFile? file;
        try
        {
            file = JsonSerializer.Deserialize<TokenizerFile>(File.ReadAllText(path), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, e.Path ?? "tokenizer", "is not a tokenizer file");
        }
        if (file is null) throw new DataFormatException(path, "tokenizer", "is JSON null");
        if (file.Vocabulary.Length < SpecialTokens.Length || !file.Vocabulary.Take(SpecialTokens.Length).SequenceEqual(SpecialTokens))
            throw new DataFormatException(path, "vocabulary", $"must start with {string.Join(", ", SpecialTokens)}");
        try
        {
            return new WordTokenizer(file.Vocabulary.Skip(SpecialTokens.Length), file.MaxLength);
        }
        catch (ArgumentException e)
        {
            throw new DataFormatException(path, "vocabulary", e.Message);
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    [GeneratedRegex("[a-z0-9]+(?:['-][a-z0-9]+)*")]
    private static partial Regex WordPattern();

    private sealed record TokenizerFile
    {
        [JsonPropertyName("max_length")] public int MaxLength { get; init; }
        [JsonPropertyName("vocabulary")] public string[] Vocabulary { get; init; } = [];
    }
}
