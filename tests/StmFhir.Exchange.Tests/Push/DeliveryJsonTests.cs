using System.Text;
using StmFhir.Exchange.Push;

namespace StmFhir.Exchange.Tests.Push;

/// <summary>A target's OperationOutcome is read as far as it is readable, and only a few levels deep.</summary>
public sealed class DeliveryJsonTests
{
    private static byte[] Outcome(int extensionLevels)
    {
        var extension = string.Concat(Enumerable.Repeat("""{"url":"http://example.org/deep","extension":[""", extensionLevels - 1))
            + """{"url":"http://example.org/deep","valueString":"x"}""" + string.Concat(Enumerable.Repeat("]}", extensionLevels - 1));
        return Encoding.UTF8.GetBytes($$"""{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","diagnostics":"refused","extension":[{{extension}}]}]}""");
    }

    [Fact]
    public void AnOutcomeAFewLevelsDeep_IsRead()
    {
        var outcome = DeliveryJson.ReadOutcome(Outcome(extensionLevels: 3));

        Assert.Equal("refused", Assert.Single(outcome!.Issue).Diagnostics);
    }

    [Fact]
    public void AnOutcomeNestedPast32Levels_IsNotRead_SoTheStatusPageCanShowEveryStoredOne()
    {
        var outcome = DeliveryJson.ReadOutcome(Outcome(extensionLevels: 40));

        Assert.Null(outcome);
    }
}
