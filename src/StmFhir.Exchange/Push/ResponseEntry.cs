using Hl7.Fhir.Model;

namespace StmFhir.Exchange.Push;

/// <summary>One entry of a transaction-response or batch-response, as far as delivery needs it.</summary>
internal sealed record ResponseEntry(int Status, string? Id, string? Version, OperationOutcome? Outcome, SearchSummary? Search)
{
    public bool IsSuccess => Status is >= 200 and < 300;
}

/// <summary>For a search entry of a batch-response: how many matched, and the first match's version.</summary>
internal sealed record SearchSummary(int Matches, string? FirstVersion);
