using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using StmFhir.Core.Validation;

namespace StmFhir.Exchange.Pull;

/// <summary>
/// The validation a pulled session goes through before it is stored: every layer of the engine
/// (<see cref="IFhirValidator"/>: structure, profiles, terminology, Bundle rules, clinical rules), on the transaction
/// Bundle the session maps to, as intake validates a posted session. A session with an error issue is not stored.
/// </summary>
/// <remarks>
/// Thread-safe. The gateway gives pull the engine and the validation slots intake uses; <c>stmfhir pull</c> and tests
/// register an engine of their own (<see cref="PullServiceCollectionExtensions.AddPullValidation"/>).
/// </remarks>
public interface IPullValidator
{
    /// <summary>Every issue the engine finds in <paramref name="session"/> (a transaction Bundle of one session).</summary>
    Task<ValidationReport> ValidateAsync(Bundle session, CancellationToken cancellationToken = default);
}

/// <summary>
/// An engine of its own for a process without the gateway's (<c>stmfhir pull</c>): built on first use, so a pull that
/// reads no STM session does not wait seconds for the engine.
/// </summary>
internal sealed class EnginePullValidator(Func<IFhirValidator> create) : IPullValidator
{
    private readonly Lazy<IFhirValidator> _engine = new(create, LazyThreadSafetyMode.ExecutionAndPublication);

    public Task<ValidationReport> ValidateAsync(Bundle session, CancellationToken cancellationToken = default) =>
        Task.FromResult(_engine.Value.Validate(session, cancellationToken: cancellationToken));
}
