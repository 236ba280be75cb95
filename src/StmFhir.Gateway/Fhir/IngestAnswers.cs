using Hl7.Fhir.Model;
using StmFhir.Exchange.Store;
using StmFhir.Gateway.Ingest;

namespace StmFhir.Gateway.Fhir;

/// <summary>
/// What intake refused, as HTTP: 422 with the validator's issues, 412 for a stale If-Match, 409 for a person identifier
/// another Patient or Practitioner has, 400 for a change the store cannot take. A request gets an OperationOutcome
/// answer (<see cref="Refusal"/>), a batch entry a response status and outcome (<see cref="EntryRefusal"/>).
/// </summary>
internal static class IngestAnswers
{
    /// <summary>The answer to a refusal, or null when the changes were committed.</summary>
    public static FhirJsonResult? Refusal(IngestOutcome outcome) => outcome switch
    {
        { Invalid: { } invalid } => Outcomes.Result(StatusCodes.Status422UnprocessableEntity, invalid.Outcome),
        { Rejected: { Reason: StoreRejection.PreconditionFailed } rejected } =>
            Outcomes.Result(StatusCodes.Status412PreconditionFailed, OperationOutcome.IssueType.Conflict, rejected.Message),
        { Rejected: { Reason: StoreRejection.Conflict } rejected } =>
            Outcomes.Result(StatusCodes.Status409Conflict, OperationOutcome.IssueType.Duplicate, rejected.Message),
        { Rejected: { } rejected } => Outcomes.BadRequest(rejected.Message),
        _ => null,
    };

    /// <summary>A batch entry's response to a refusal, or null when the entry was committed.</summary>
    /// <remarks>A stale If-Match is an <c>invalid</c> issue here (a <c>conflict</c> one in <see cref="Refusal"/>), as batch answers have always said.</remarks>
    public static ResponseEntry? EntryRefusal(IngestOutcome outcome) => outcome switch
    {
        { Invalid: { } invalid } => new ResponseEntry("422 Unprocessable Entity") { OutcomeJson = FhirJsonResult.Serialize(invalid.Outcome) },
        { Rejected: { Reason: StoreRejection.PreconditionFailed } rejected } => Entry("412 Precondition Failed", OperationOutcome.IssueType.Invalid, rejected.Message),
        { Rejected: { Reason: StoreRejection.Conflict } rejected } => Entry("409 Conflict", OperationOutcome.IssueType.Duplicate, rejected.Message),
        { Rejected: { } rejected } => Entry("400 Bad Request", OperationOutcome.IssueType.Invalid, rejected.Message),
        _ => null,
    };

    private static ResponseEntry Entry(string status, OperationOutcome.IssueType type, string message) =>
        new(status) { OutcomeJson = FhirJsonResult.Serialize(Outcomes.Create(type, message)) };
}
