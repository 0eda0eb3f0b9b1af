using Decoding.Conditioning;

namespace Decoding.Tests.Conditioning;

public class WordTokenizerTests
{
    /// <summary>Fashion-MNIST's ten class names, in label order (Xiao et al. 2017, Table 1).</summary>
    internal static readonly string[] FashionMnistClasses =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    [Fact]
    public void Vocabulary_is_specials_then_class_name_words_in_order()
    {
        var tokenizer = WordTokenizer.FromClassNames(FashionMnistClasses);
        // By hand: 4 special tokens, then t-shirt, top, trouser, pullover, dress, coat, sandal, shirt, sneaker, bag,
        // ankle, boot -> ids 4..15, 16 tokens in all.
        Assert.Equal(
            new[] { "<pad>", "<bos>", "<eos>", "<unk>", "t-shirt", "top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle", "boot" },
            tokenizer.Vocabulary);
        Assert.Equal(16, tokenizer.VocabularySize);
    }

    [Fact]
    public void Known_prompts_encode_to_hand_derived_ids()
    {
        var tokenizer = WordTokenizer.FromClassNames(FashionMnistClasses);
        // <bos>=1, ankle=14, boot=15, <eos>=2, then <pad>=0 up to length 8.
        Assert.Equal(new[] { 1, 14, 15, 2, 0, 0, 0, 0 }, tokenizer.Encode("Ankle boot"));
        // "T-shirt/top": the slash separates two words, the hyphen joins one: t-shirt=4, top=5.
        Assert.Equal(new[] { 1, 4, 5, 2, 0, 0, 0, 0 }, tokenizer.Encode("T-shirt/top"));
        Assert.Equal(new[] { 1, 14, 15, 2, 0, 0, 0, 0 }, tokenizer.Encode("  ANKLE   boot! "));
    }

    [Fact]
    public void Unknown_words_become_unk()
    {
        var tokenizer = WordTokenizer.FromClassNames(FashionMnistClasses);
        // "a" and "red" are not class-name words: <unk>=3; "coat"=9.
        Assert.Equal(new[] { 1, 3, 3, 9, 2, 0, 0, 0 }, tokenizer.Encode("a red coat"));
        Assert.Equal("<unk> <unk> coat", tokenizer.Decode(tokenizer.Encode("a red coat")));
    }

    [Fact]
    public void Long_prompts_are_cut_to_fit_between_bos_and_eos()
    {
        var tokenizer = WordTokenizer.FromClassNames(FashionMnistClasses);
        // 8 ids leave room for 6 words: bag=13 x6, then <eos>.
        Assert.Equal(new[] { 1, 13, 13, 13, 13, 13, 13, 2 }, tokenizer.Encode("bag bag bag bag bag bag bag bag bag"));
    }

    [Fact]
    public void Batch_encoding_is_an_int64_tensor()
    {
        var tokenizer = WordTokenizer.FromClassNames(FashionMnistClasses);
        using var ids = tokenizer.EncodeBatch(["Bag", "Coat"]);
        Assert.Equal(new long[] { 2, 8 }, ids.shape);
        Assert.Equal(TorchSharp.torch.ScalarType.Int64, ids.dtype);
        Assert.Equal(new long[] { 1, 13, 2, 0, 0, 0, 0, 0, 1, 9, 2, 0, 0, 0, 0, 0 }, ids.data<long>().ToArray());
    }

    [Fact]
    public void Saves_and_loads_the_same_vocabulary()
    {
        var tokenizer = WordTokenizer.FromClassNames(FashionMnistClasses, maxLength: 6, extraWords: ["a photo of a"]);
        string path = Path.Combine(Path.GetTempPath(), "tokenizer-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            tokenizer.Save(path);
            var loaded = WordTokenizer.Load(path);
            Assert.Equal(tokenizer.Vocabulary, loaded.Vocabulary);
            Assert.Equal(6, loaded.MaxLength);
            Assert.Equal(tokenizer.Encode("a photo of a sandal"), loaded.Encode("a photo of a sandal"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
