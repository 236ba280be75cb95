using StmFhir.Core.Mapping;

namespace StmFhir.Core.Tests.Mapping;

public sealed class IdentifierSearchTests
{
    [Theory]
    [InlineData("MRN-1", "MRN-1")]
    [InlineData("a&b=c+d#e%f", "a%26b%3Dc%2Bd%23e%25f")]
    [InlineData("two words", "two%20words")]
    [InlineData("Müller", "M%C3%BCller")]
    [InlineData("😀", "%F0%9F%98%80")]
    public void Escape_QueryMetacharactersAndNonAscii_ArePercentEncodedAsUtf8(string value, string expected)
    {
        Assert.Equal(expected, IdentifierSearch.Escape(value));
        Assert.Equal(value, Uri.UnescapeDataString(IdentifierSearch.Escape(value)));
    }

    [Fact]
    public void Condition_KeepsUriPunctuationReadable()
    {
        Assert.Equal("identifier=https://example-hospital.org/mrn|MRN%201",
            IdentifierSearch.Condition("https://example-hospital.org/mrn", "MRN 1"));
    }
}
