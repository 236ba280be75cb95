using Hl7.Fhir.Model;

namespace StmFhir.Gateway.Validation;

/// <summary>The verdict on one resource or Bundle.</summary>
/// <param name="IsValid">False when any issue is an error or fatal.</param>
/// <param name="Outcome">Every issue found (FHIRPath in <c>expression</c>), as FHIR reports them.</param>
internal sealed record ValidationVerdict(bool IsValid, OperationOutcome Outcome);

/// <summary>
/// The gateway's seam to the validation engine (src/StmFhir.Core/Validation): every layer (structure, profiles,
/// terminology, STM clinical rules). Intake, <c>POST /fhir</c> and <c>$validate</c> all go through it.
/// </summary>
internal interface IResourceValidator
{
    /// <summary>True once the engine has loaded the profiles and can answer without a cold start.</summary>
    bool IsReady { get; }

    /// <summary>Validates a resource (a Bundle: every entry) against its profiles, or against <paramref name="profile"/>.</summary>
    /// <remarks>Waits (without holding a thread) while the engine warms up or all its validation slots are busy.</remarks>
    Task<ValidationVerdict> ValidateAsync(Resource resource, string? profile = null, CancellationToken cancellationToken = default);
}
