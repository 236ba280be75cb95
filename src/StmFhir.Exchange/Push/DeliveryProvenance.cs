using System.Globalization;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Terminology;
using StmFhir.Exchange.Targets;

namespace StmFhir.Exchange.Push;

/// <summary>The Provenance that records one delivery at the target: what was delivered, when, by whom, from what.</summary>
internal static class DeliveryProvenance
{
    /// <summary>The system of the agent identifier: StmFhir itself.</summary>
    public const string AgentSystem = StmCanonical.Base + "/sid/agent";

    /// <summary>The system of the source entity identifier: the caller's <see cref="DeliveryRequest.SourceId"/>.</summary>
    public const string SourceSystem = StmCanonical.Base + "/sid/delivery-source";

    /// <summary>
    /// A Provenance item for <paramref name="delivered"/>, written the way the target allows: PUT to an id derived from
    /// target, content and time (a retried request rewrites the same one), else a conditional create on its target and
    /// time, sent last when every id is known. Null when the target allows neither.
    /// </summary>
    public static PlannedWrite? Create(string target, IReadOnlyList<PlannedWrite> delivered, string? sourceId, DateTimeOffset recorded, FhirCapabilities capabilities)
    {
        var provenance = new Provenance
        {
            Target = [.. delivered.Select(i => new ResourceReference(i.Source))],
            Recorded = recorded,
            Activity = new CodeableConcept { Text = $"StmFhir delivery to target '{target}'" },
            Agent =
            [
                new Provenance.AgentComponent
                {
                    Who = new ResourceReference { Identifier = new Identifier(AgentSystem, "StmFhir"), Display = "StmFhir gateway" },
                },
            ],
        };
        if (sourceId is not null)
        {
            provenance.Entity.Add(new Provenance.EntityComponent
            {
                Role = Provenance.ProvenanceEntityRole.Source,
                What = new ResourceReference { Identifier = new Identifier(SourceSystem, sourceId) },
            });
        }
        var stamp = recorded.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var id = DeterministicId.From("Provenance", target, sourceId ?? string.Join(",", delivered.Select(i => i.Source)), stamp);
        var placeholder = "urn:uuid:" + id;
        if (capabilities.AcceptsClientIds("Provenance"))
        {
            provenance.Id = id;
            return new PlannedWrite { Index = PlannedWrite.ProvenanceIndex, Source = placeholder, Resource = provenance, Mode = WriteMode.Put, Id = id, Placeholder = placeholder };
        }
        if (capabilities.SupportsConditionalCreate("Provenance") && delivered.Count > 0)
        {
            var first = delivered[0];
            return new PlannedWrite
            {
                Index = PlannedWrite.ProvenanceIndex,
                Source = placeholder,
                Resource = provenance,
                Mode = WriteMode.ConditionalCreate,
                ConditionWhenSent = stableReference => $"target={stableReference(first)}&recorded={stamp}",
                SendLast = true,
                Placeholder = placeholder,
            };
        }
        return null;
    }
}
