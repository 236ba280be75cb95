namespace StmFhir.Exchange.Targets;

/// <summary>The configured targets and what each one's CapabilityStatement says (read once, then recorded).</summary>
public interface IFhirTargets
{
    /// <summary>The targets' names, in configuration order.</summary>
    IReadOnlyList<string> Names { get; }

    /// <summary>The options of the target named <paramref name="name"/>; throws <see cref="KeyNotFoundException"/> for an unknown name.</summary>
    FhirTargetOptions GetOptions(string name);

    /// <summary>
    /// The recorded capabilities of a target, reading its CapabilityStatement on first use (concurrent callers share one
    /// read). Throws <see cref="FhirTargetUnavailableException"/> if it cannot be read.
    /// </summary>
    Task<FhirCapabilities> GetCapabilitiesAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Reads the target's CapabilityStatement again and records it (call at start, or after the target changed).</summary>
    Task<FhirCapabilities> ProbeAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The capabilities recorded so far, or null for a target not read yet.</summary>
    FhirCapabilities? RecordedCapabilities(string name);
}

/// <summary>A target's CapabilityStatement could not be read.</summary>
public sealed class FhirTargetUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FhirTargetUnavailableException(string target, string message, bool isTransient, int? httpStatus, Exception? inner = null)
        : base($"Target '{target}': {message}", inner)
    {
        Target = target;
        IsTransient = isTransient;
        HttpStatus = httpStatus;
    }

    /// <summary>The target's name.</summary>
    public string Target { get; }

    /// <summary>True when trying later may help (unreachable, 408, 429, 5xx); false for e.g. 401 or a non-R4 server.</summary>
    public bool IsTransient { get; }

    /// <summary>The HTTP status the target answered, if it answered.</summary>
    public int? HttpStatus { get; }
}
