using Hl7.Fhir.Model;

namespace StmFhir.Core.Validation;

/// <summary>
/// The one way StmFhir validates FHIR: structure and core invariants, the StmFhir profiles, terminology (offline)
/// and the STM clinical rules. The CLI, HTTP <c>$validate</c> and the web page all go through it.
/// </summary>
/// <remarks>Implementations are thread-safe: one instance serves a whole process.</remarks>
public interface IFhirValidator
{
    /// <summary>
    /// Validates a resource (a Bundle validates every entry) against its <c>meta.profile</c> claims, or against
    /// <paramref name="profile"/> when one is given, and against the clinical rules.
    /// </summary>
    /// <param name="resource">The resource or Bundle.</param>
    /// <param name="profile">A canonical URL of a profile to validate against in addition to the core type.</param>
    /// <param name="cancellationToken">Stops the validation mid-walk (e.g. the client went away).</param>
    /// <returns>
    /// Every issue. Whatever the input, an issue and never an exception: a failure of the engine on it is
    /// <see cref="IssueCodes.NotCheckable"/>, a spent time budget <see cref="IssueCodes.TimeBudgetExceeded"/>.
    /// </returns>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> is cancelled.</exception>
    ValidationReport Validate(Resource resource, string? profile = null, CancellationToken cancellationToken = default);
}
