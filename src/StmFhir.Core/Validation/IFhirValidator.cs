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
    ValidationReport Validate(Resource resource, string? profile = null);
}
