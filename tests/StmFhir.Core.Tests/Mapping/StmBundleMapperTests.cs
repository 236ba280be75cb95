using CsCheck;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;

using StmFhir.Core.Tests.Sessions;

namespace StmFhir.Core.Tests.Mapping;

public sealed class StmBundleMapperTests
{
    [Fact]
    public void EditingAMappedResource_DoesNotChangeLaterBundles()
    {
        var session = StmSessionGen.Session.Where(s => s.PainScores.Count > 0 && s.Regions.Count > 0).Single();
        var before = FhirJson.Serialize(StmBundleMapper.ToBundle(session));

        var bundle = StmBundleMapper.ToBundle(session);
        foreach (var coding in bundle.Entry.Select(e => e.Resource).OfType<Observation>().SelectMany(o => o.Category.Concat(o.Code is null ? [] : [o.Code])).SelectMany(c => c.Coding))
        {
            coding.Code = "edited";
        }
        foreach (var coding in bundle.Entry.Select(e => e.Resource).OfType<Procedure>().SelectMany(p => p.BodySite.Append(p.Code).Append(p.Category)).SelectMany(c => c!.Coding))
        {
            coding.Code = "edited";
        }

        Assert.Equal(before, FhirJson.Serialize(StmBundleMapper.ToBundle(session)));
    }

    [Fact]
    public void ToBundle_GivesATransactionWithOneEntryPerResourceAndDeterministicIds()
    {
        StmSessionGen.Session.Sample(session =>
        {
            var bundle = StmBundleMapper.ToBundle(session);
            var expectedCount = 3 + session.PainScores.Count + session.RomMeasurements.Count
                + (session.Screening is { } s ? 1 + s.Findings.Count + s.Medications.Count : 0);

            Assert.Equal(Bundle.BundleType.Transaction, bundle.Type);
            Assert.Equal(expectedCount, bundle.Entry.Count);
            Assert.Equal(bundle.Entry.Count, bundle.Entry.Select(e => e.FullUrl).Distinct().Count());
            Assert.All(bundle.Entry.Where(e => e.Request!.Method == Bundle.HTTPVerb.PUT),
                e => Assert.Equal($"{e.Resource!.TypeName}/{e.Resource.Id}", e.Request!.Url));
            Assert.All(bundle.Entry, e => Assert.Single(e.Resource!.Meta!.Profile));
        }, iter: 200);
    }

    [Fact]
    public void TwoSessionsOfOnePatient_ShareThePatientIdButNotTheProcedureId()
    {
        var (first, second) = StmSessionGen.Session.Select(StmSessionGen.Session).Where((a, b) => a.SessionId != b.SessionId).Single();
        second = second with { Patient = first.Patient, SourceSystem = first.SourceSystem };

        var a = StmBundleMapper.ToBundle(first);
        var b = StmBundleMapper.ToBundle(second);

        Assert.Equal(a.Entry[0].FullUrl, b.Entry[0].FullUrl);
        Assert.NotEqual(a.Entry[2].FullUrl, b.Entry[2].FullUrl);
    }
}
