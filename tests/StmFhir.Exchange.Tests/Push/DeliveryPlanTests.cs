using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Exchange.Push;
using StmFhir.Exchange.Targets;

namespace StmFhir.Exchange.Tests.Push;

public sealed class DeliveryPlanTests
{
    [Fact]
    public void SessionBundleIsPlannedAsConditionalCreatesForPeopleAndPutsForTheRest()
    {
        var bundle = StmBundleMapper.ToBundle(TestSessions.Session("plan", painScores: 2));

        var (plan, problem) = DeliveryPlan.Create(bundle, Capabilities(clientIds: true));

        Assert.Null(problem);
        Assert.Equal([WriteMode.ConditionalCreate, WriteMode.ConditionalCreate], plan!.Items.Take(2).Select(i => i.Mode));
        Assert.All(plan.Items.Skip(2), i => Assert.Equal(WriteMode.Put, i.Mode));
        Assert.Equal(bundle.Entry.Select(e => e.FullUrl), plan.Items.Select(i => i.Source));
    }

    [Fact]
    public void TargetWithoutClientIdsGetsConditionalUpdatesOnTheBusinessIdentifier()
    {
        var bundle = StmBundleMapper.ToBundle(TestSessions.Session("plan & co+1"));

        var (plan, _) = DeliveryPlan.Create(bundle, Capabilities(clientIds: false));

        var procedure = plan!.Items.Single(i => i.Type == "Procedure");
        Assert.Equal(WriteMode.ConditionalUpdate, procedure.Mode);
        Assert.Equal($"identifier={TestSessions.SourceSystem}|plan%20%26%20co%2B1", procedure.Condition);
    }

    [Fact]
    public void EntriesAreOrderedAfterTheEntriesTheyReferTo()
    {
        var bundle = StmBundleMapper.ToBundle(TestSessions.Session("plan-order", painScores: 1));
        bundle.Entry.Reverse();

        var (plan, _) = DeliveryPlan.Create(bundle, Capabilities(clientIds: true));

        var order = plan!.Items.Select(i => i.Type).ToList();
        Assert.True(order.IndexOf("Patient") < order.IndexOf("Procedure"));
        Assert.True(order.IndexOf("Procedure") < order.IndexOf("Observation"));
        Assert.True(order.IndexOf("Condition") < order.IndexOf("RiskAssessment"));
    }

    public static TheoryData<string, Bundle.HTTPVerb, string?, bool, string> Refused => new()
    {
        { "Patient", Bundle.HTTPVerb.POST, null, false, "would create a duplicate on every retry" },
        { "Procedure", Bundle.HTTPVerb.DELETE, null, true, "is not a write StmFhir delivers" },
        { "Procedure", Bundle.HTTPVerb.PUT, "Procedure/other-id", true, "does not name the Procedure's id" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void EntryThatCannotBeWrittenIdempotentlyIsAPermanentFailure(string type, Bundle.HTTPVerb method, string? url, bool withIdentifier, string expected)
    {
        Resource resource = type == "Patient" ? new Patient() : new Procedure { Id = "p1", Status = EventStatus.Completed, Subject = new ResourceReference("Patient/x") };
        if (withIdentifier && resource is Procedure procedure)
        {
            procedure.Identifier.Add(new Identifier("urn:test", "1"));
        }
        var bundle = new Bundle { Type = Bundle.BundleType.Transaction };
        bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = "urn:uuid:0f0e0d0c-0000-4000-8000-000000000001", Resource = resource, Request = new() { Method = method, Url = url ?? type } });

        var (plan, problem) = DeliveryPlan.Create(bundle, Capabilities(clientIds: true));

        Assert.Null(plan);
        Assert.Equal(DeliveryFailureKind.Permanent, problem!.Kind);
        Assert.Contains(expected, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TargetThatIsNotR4IsRefused()
    {
        var (_, problem) = DeliveryPlan.Create(StmBundleMapper.ToBundle(TestSessions.Session("plan-r5")), Capabilities(clientIds: true) with { FhirVersion = "5.0.0" });

        Assert.Contains("not R4", problem!.Message, StringComparison.Ordinal);
    }

    private static FhirCapabilities Capabilities(bool clientIds) => new()
    {
        FhirVersion = "4.0.1",
        Transaction = true,
        Batch = true,
        ReadAt = DateTimeOffset.UnixEpoch,
        Resources = new[] { "Patient", "Practitioner", "Procedure", "Observation", "Condition", "MedicationStatement", "RiskAssessment", "Provenance" }
            .ToDictionary(t => t, _ => new ResourceCapabilities(true, true, clientIds)),
    };
}
