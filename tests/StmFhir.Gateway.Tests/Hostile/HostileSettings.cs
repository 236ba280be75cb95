namespace StmFhir.Gateway.Tests.Hostile;

/// <summary>
/// The settings the hostile-input suite configures, as environment variable names (<c>Section__Key</c>), in one place
/// so that a rename in the gateway is one edit here. The values the suite gives them are chosen so that each limit is
/// reached by a small, fast input.
/// </summary>
internal static class HostileSettings
{
    /// <summary>How long one validation may run before it stops with an error issue.</summary>
    public const string ValidationTimeBudget = StmFhir.Tests.Shared.Fuzz.FuzzSettings.ValidationTimeBudgetVariable;

    /// <summary>Largest answer body; a search page stops early and links onward instead of growing.</summary>
    public const string MaxResponseBytes = "Fhir__MaxResponseBytes";

    /// <summary>Most entries of a batch or transaction (413 or 400 beyond).</summary>
    public const string MaxBundleEntries = "Fhir__MaxBundleEntries";

    /// <summary>The base of every absolute URL the gateway writes, instead of the request's Host header.</summary>
    public const string PublicBaseUrl = "Fhir__PublicBaseUrl";

    /// <summary>ASP.NET Core's allowed hosts (not set by the suite: the public base URL must be enough).</summary>
    public const string AllowedHosts = "AllowedHosts";

    /// <summary>True lets a second Patient or Practitioner carry an identifier that another already has.</summary>
    public const string AllowDuplicatePersonIdentifiers = "Storage__AllowDuplicatePersonIdentifiers";

    /// <summary>Most elements (JSON objects and values, XML elements) one body may hold.</summary>
    public const string MaxElements = "Fhir__MaxElements";

    /// <summary>Largest request body (an existing setting).</summary>
    public const string MaxRequestBodyBytes = "Fhir__MaxRequestBodyBytes";

    public const int BodyLimit = 1024 * 1024;
    public const int ResponseLimit = 4 * 1024 * 1024;
    public const int EntryLimit = 2000;
    public const string PublicBase = "https://stm.example-hospital.org";
}
