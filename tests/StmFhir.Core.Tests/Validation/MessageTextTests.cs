using StmFhir.Core.Validation;

namespace StmFhir.Core.Tests.Validation;

public sealed class MessageTextTests
{
    [Fact]
    public void AShortMessageIsKeptAsItIs()
    {
        const string message = "Literal 'x' cannot be parsed as a date.";
        Assert.Same(message, MessageText.Shorten(message));
    }

    [Fact]
    public void AQuotedValueLongerThan100CharactersIsCutWithItsLength()
    {
        var shortened = MessageText.Shorten("Literal '" + new string('a', 5_000) + "' cannot be parsed as a date.");

        Assert.Equal("Literal '" + new string('a', 100) + "… (5000 characters)' cannot be parsed as a date.", shortened);
    }

    [Fact]
    public void ShorteningTwiceChangesNothing()
    {
        var once = MessageText.Shorten("Literal '" + new string('a', 4_000_000) + "' cannot be parsed as a date.");

        Assert.Equal(once, MessageText.Shorten(once));
    }

    [Fact]
    public void ALongRunWithoutSpacesIsCutToo_AndSoIsAVeryLongMessage()
    {
        Assert.Equal("at " + new string('b', 100) + "… (300 characters) end", MessageText.Shorten("at " + new string('b', 300) + " end"));
        var words = string.Concat(Enumerable.Repeat("word ", 10_000));
        var shortened = MessageText.Shorten(words);
        Assert.True(shortened.Length < MessageText.MaxMessageLength + 50, $"{shortened.Length} characters");
        Assert.EndsWith("… (50000 characters)", shortened);
    }
}
