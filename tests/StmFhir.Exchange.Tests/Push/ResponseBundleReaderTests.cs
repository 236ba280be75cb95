using System.Text;
using StmFhir.Exchange.Push;

namespace StmFhir.Exchange.Tests.Push;

public sealed class ResponseBundleReaderTests
{
    [Theory]
    [InlineData("Patient/123/_history/4", "123", "4")]
    [InlineData("Patient/123", "123", null)]
    [InlineData("https://ehr.example.org/fhir/R4/Patient/abc/_history/7", "abc", "7")]
    [InlineData("", null, null)]
    public void LocationGivesIdAndVersion(string location, string? id, string? version) =>
        Assert.Equal((id, version), ResponseBundleReader.ParseLocation(location));

    [Theory]
    [InlineData("W/\"3\"", "3")]
    [InlineData("\"abc\"", "abc")]
    [InlineData("W/\"\"", null)]
    public void EtagGivesTheVersion(string etag, string? version) => Assert.Equal(version, ResponseBundleReader.ParseEtag(etag));

    [Fact]
    public void EntriesGiveStatusIdVersionAndOutcome()
    {
        var json = """
            {"resourceType":"Bundle","type":"batch-response","entry":[
              {"response":{"status":"201 Created","location":"Patient/p1/_history/v1"}},
              {"response":{"status":"200","etag":"W/\"v2\""},"resource":{"resourceType":"Observation","id":"o1","meta":{"versionId":"v9"}}},
              {"response":{"status":"200"},"resource":{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Procedure","id":"x","meta":{"versionId":"v5"}},"search":{"mode":"match"}}]}},
              {"response":{"status":"422","outcome":{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"business-rule","details":{"text":"No"}}]}}}
            ]}
            """;

        var entries = ResponseBundleReader.Read(Encoding.UTF8.GetBytes(json))!;

        Assert.Equal((201, "p1", "v1"), (entries[0].Status, entries[0].Id, entries[0].Version));
        Assert.Equal((200, "o1", "v2"), (entries[1].Status, entries[1].Id, entries[1].Version));
        Assert.Equal(new SearchSummary(1, "v5"), entries[2].Search);
        Assert.Equal("No", entries[3].Outcome?.Issue.Single().Details?.Text);
    }

    [Fact]
    public void PropertiesInAnyOrderAreReadAndASuccessfulEntrysOutcomeIsLeftUnparsed()
    {
        var json = """
            {"entry":[
              {"resource":{"meta":{"versionId":"v3"},"id":"o1","resourceType":"Observation"},"response":{"outcome":{"resourceType":"OperationOutcome","issue":[{"severity":"information","code":"informational"}]},"status":"200"}},
              {"resource":{"entry":[{"resource":{"meta":{"versionId":"v5"}}},{"search":{"mode":"include"}}],"type":"searchset","resourceType":"Bundle"},"response":{"status":"200"}},
              {"response":{"status":"404"},"resource":{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found","diagnostics":"Not found"}]}}
            ],"type":"transaction-response","resourceType":"Bundle"}
            """;

        var entries = ResponseBundleReader.Read(Encoding.UTF8.GetBytes(json))!;

        Assert.Equal((200, "o1", "v3", (Hl7.Fhir.Model.OperationOutcome?)null), (entries[0].Status, entries[0].Id, entries[0].Version, entries[0].Outcome));
        Assert.Equal(new SearchSummary(1, "v5"), entries[1].Search);
        Assert.Equal("Not found", entries[2].Outcome?.Issue.Single().Diagnostics);
    }

    [Fact]
    public void AnEntryWhoseResponseIsNotAnObjectMakesTheAnswerUnreadable() =>
        Assert.Null(ResponseBundleReader.Read("""{"resourceType":"Bundle","type":"batch-response","entry":[{"response":"200"}]}"""u8));

    [Fact]
    public void SomethingElseIsNotAResponseBundle() =>
        Assert.Null(ResponseBundleReader.Read("""{"resourceType":"OperationOutcome"}"""u8));
}
