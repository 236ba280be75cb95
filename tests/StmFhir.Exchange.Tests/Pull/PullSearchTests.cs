using Hl7.Fhir.Model;
using StmFhir.Exchange.Pull;

namespace StmFhir.Exchange.Tests.Pull;

/// <summary>
/// Which <c>next</c> links a pull follows: the target's credentials go with every request, so only links under the
/// target's base URL. (The peer only ever links to itself, so the refusals are checked on the link alone.)
/// </summary>
public sealed class PullSearchTests
{
    private static readonly PullSearch Search = new(null!, new Uri("https://ehr.example.org/fhir/R4/"));

    private static Bundle Page(string? next)
    {
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset };
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "self", Url = "https://ehr.example.org/fhir/R4/Procedure" });
        if (next is not null)
        {
            bundle.Link.Add(new Bundle.LinkComponent { Relation = "next", Url = next });
        }
        return bundle;
    }

    [Fact]
    public void APageWithoutANextLink_EndsTheSearch() => Assert.Null(Search.NextLink(Page(null)));

    [Theory]
    [InlineData("https://ehr.example.org/fhir/R4/Procedure?_count=20&_cursor=2-1700000000000", "Procedure?_count=20&_cursor=2-1700000000000")]
    [InlineData("https://EHR.example.org:443/fhir/R4/Procedure?_lastUpdated=ge2026-01-01T00%3A00%3A00Z&_offset=20", "Procedure?_lastUpdated=ge2026-01-01T00%3A00%3A00Z&_offset=20")]
    public void ALinkUnderTheBase_IsFollowedRelativeToIt(string link, string expected) => Assert.Equal(expected, Search.NextLink(Page(link)));

    [Theory]
    [InlineData("https://attacker.example.net/fhir/R4/Procedure?_offset=20")]
    [InlineData("http://ehr.example.org/fhir/R4/Procedure?_offset=20")]
    [InlineData("https://ehr.example.org:8443/fhir/R4/Procedure?_offset=20")]
    [InlineData("https://ehr.example.org/other/Procedure?_offset=20")]
    [InlineData("Procedure?_offset=20")]
    public void ALinkElsewhere_StopsThePull(string link)
    {
        var refused = Assert.Throws<PullStoppedException>(() => Search.NextLink(Page(link)));
        Assert.Contains("leaves the target's base URL", refused.Message, StringComparison.Ordinal);
    }
}
