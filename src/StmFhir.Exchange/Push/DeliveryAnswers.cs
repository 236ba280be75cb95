using Hl7.Fhir.Model;
using StmFhir.Exchange.Targets;

namespace StmFhir.Exchange.Push;

/// <summary>Sending a batch or transaction to the target, and what its answers mean for the delivery.</summary>
internal static partial class DeliveryAnswers
{
    /// <summary>Posts <paramref name="bundle"/>; its response entries, or why the target refused the whole of it.</summary>
    public static async Task<(List<ResponseEntry>? Entries, DeliveryFailure? Failure)> PostAsync(FhirTargetClient client, DeliveryBundleWriter bundle, string kind,
        CancellationToken cancellationToken)
    {
        var count = bundle.Count;
        var response = await client.SendAsync(HttpMethod.Post, "", bundle.ToArray(), cancellationToken);
        if (!response.IsSuccess)
        {
            var outcome = DeliveryJson.ReadOutcome(response.Body);
            var kindOfFailure = response.IsTransientFailure ? DeliveryFailureKind.Transient : DeliveryFailureKind.Permanent;
            var described = DeliveryJson.Describe(outcome);
            var message = $"The target answered {response.Status} to a {kind} of {count} entries" + (described.Length > 0 ? $": {described}" : "");
            return (null, new DeliveryFailure(kindOfFailure, message, response.Status, outcome));
        }
        var entries = ResponseBundleReader.Read(response.Body);
        if (entries is null || entries.Count != count)
        {
            return (null, new DeliveryFailure(DeliveryFailureKind.Permanent,
                $"The target's answer to a {kind} of {count} entries is not a {kind}-response with as many entries", response.Status));
        }
        return (entries, null);
    }

    /// <summary>The target refused to write <paramref name="item"/>: transient for 408, 429, 5xx and no status.</summary>
    public static DeliveryFailure EntryFailure(PlannedWrite item, ResponseEntry entry)
    {
        var kind = entry.Status is 408 or 429 or >= 500 or 0 ? DeliveryFailureKind.Transient : DeliveryFailureKind.Permanent;
        var described = DeliveryJson.Describe(entry.Outcome);
        return new DeliveryFailure(kind, $"The target refused the {item.Type} of {Where(item)} with {entry.Status}" + (described.Length > 0 ? $": {described}" : ""), entry.Status, entry.Outcome);
    }

    /// <summary>The target wrote <paramref name="item"/> but did not say its id.</summary>
    public static DeliveryFailure NoId(PlannedWrite item, ResponseEntry entry) =>
        new(DeliveryFailureKind.Permanent, $"The target wrote the {item.Type} of {Where(item)} but did not say its id", entry.Status);

    /// <summary>A transport failure (after the resilience pipeline's retries) as a delivery failure.</summary>
    public static DeliveryFailure Transport(FhirTransportException e) =>
        new(e.IsTransient ? DeliveryFailureKind.Transient : DeliveryFailureKind.Permanent, e.Message);

    /// <summary>True when the target refused a transaction for its size (Medplum: too many entries, or too many updates).</summary>
    public static bool IsSizeLimit(OperationOutcome? outcome)
    {
        var text = DeliveryJson.Describe(outcome);
        return text.Contains("too many entries", StringComparison.OrdinalIgnoreCase)
            || text.Contains("more update operations than allowed", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// True when the target refused for invariant ras-2 (Medplum: <c>Constraint ras-2 not met</c>; Firely: <c>Instance
    /// failed constraint ras-2</c>): where the Bundle's predictions have no probability, R4's literal text of it.
    /// </summary>
    public static bool IsRas2Refusal(OperationOutcome? outcome) =>
        outcome?.Issue.Any(i => Ras2().IsMatch(i.Details?.Text ?? "") || Ras2().IsMatch(i.Diagnostics ?? "")) == true;

    [System.Text.RegularExpressions.GeneratedRegex(@"(?<![\w-])ras-2(?![\w-])")]
    private static partial System.Text.RegularExpressions.Regex Ras2();

    private static string Where(PlannedWrite item) => item.Index == PlannedWrite.ProvenanceIndex ? "the delivery" : $"Bundle.entry[{item.Index}]";
}
