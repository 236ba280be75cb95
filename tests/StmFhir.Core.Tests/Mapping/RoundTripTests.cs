using CsCheck;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;

using StmFhir.Core.Tests.Sessions;

namespace StmFhir.Core.Tests.Mapping;

public sealed class RoundTripTests
{
    [Fact]
    public void GeneratedSessions_SurviveBundleAndBack_Unchanged()
    {
        StmSessionGen.Session.Sample(session =>
        {
            var expected = StmSessionWriter.Write(session);
            var back = StmBundleMapper.ToSession(StmBundleMapper.ToBundle(session));
            Assert.True(back.IsValid, string.Join("\n", back.Problems));
            Assert.Equal(expected, StmSessionWriter.Write(back.Session!));
        }, iter: 1000);
    }

    [Fact]
    public void GeneratedSessions_SurviveFhirJsonAndBack_Unchanged()
    {
        StmSessionGen.Session.Sample(session =>
        {
            var json = FhirJson.Serialize(StmBundleMapper.ToBundle(session));
            var back = StmBundleMapper.ToSession(FhirJson.Deserialize<Bundle>(json));
            Assert.True(back.IsValid, string.Join("\n", back.Problems));
            Assert.Equal(StmSessionWriter.Write(session), StmSessionWriter.Write(back.Session!));
        }, iter: 1000);
    }

    [Fact]
    public void GeneratedSessions_SurviveTheLiteralRas2FormAndBack_Unchanged()
    {
        // What a strict target (Compatibility:LiteralRas2) receives and a pull reads back: the same session.
        StmSessionGen.Session.Sample(session =>
        {
            var bundle = StmBundleMapper.ToBundle(session);
            var form = LiteralRas2FormTests.InLiteralRas2Form(bundle);
            var predictions = form.Entry.Select(e => e.Resource).OfType<RiskAssessment>().SelectMany(r => r.Prediction).ToList();
            Assert.All(predictions, p => Assert.IsType<Hl7.Fhir.Model.Range>(p.Probability));
            var back = StmBundleMapper.ToSession(form);
            Assert.True(back.IsValid, string.Join("\n", back.Problems));
            Assert.Equal(StmSessionWriter.Write(session), StmSessionWriter.Write(back.Session!));
        }, iter: 1000);
    }

    [Fact]
    public void GeneratedSessions_SurviveSessionJsonAndBack_Unchanged()
    {
        StmSessionGen.Session.Sample(session =>
        {
            var json = StmSessionWriter.Write(session);
            var read = StmSessionReader.Read(json);
            Assert.True(read.IsValid, string.Join("\n", read.Problems));
            Assert.Equal(json, StmSessionWriter.Write(read.Session!));
        }, iter: 1000);
    }

    [Fact]
    public void SameSession_MapsToByteIdenticalBundle()
    {
        StmSessionGen.Session.Sample(session =>
            Assert.Equal(FhirJson.Serialize(StmBundleMapper.ToBundle(session)), FhirJson.Serialize(StmBundleMapper.ToBundle(session))),
            iter: 100);
    }

    [Fact]
    public void PulledResources_WithServerIds_MapBackToTheSession()
    {
        // A server assigns its own ids to conditionally created Patients and rewrites urn:uuid references to Type/id.
        StmSessionGen.Session.Sample(session =>
        {
            var bundle = StmBundleMapper.ToBundle(session);
            var serverIds = bundle.Entry.ToDictionary(e => e.FullUrl!, e => $"{e.Resource!.TypeName}/{e.Resource.Id ?? "srv" + Guid.NewGuid().ToString("N")[..8]}");
            var resources = bundle.Entry.Select(e =>
            {
                var copy = (Resource)e.Resource!.DeepCopy();
                copy.Id = serverIds[e.FullUrl!].Split('/')[1];
                ResourceReferences.ForEach(copy, reference =>
                {
                    if (reference.Reference is { } target && serverIds.TryGetValue(target, out var rewritten))
                    {
                        reference.Reference = rewritten;
                    }
                });
                return copy;
            }).Reverse().ToList();

            var results = StmBundleMapper.ToSessions(resources);
            var back = Assert.Single(results);
            Assert.True(back.IsValid, string.Join("\n", back.Problems));
            Assert.Equal(StmSessionWriter.Write(session), StmSessionWriter.Write(back.Session!));
        }, iter: 200);
    }
}
