namespace StmFhir.Cli;

/// <summary>The exit codes every <c>stmfhir</c> command uses.</summary>
internal static class ExitCodes
{
    /// <summary>Success: everything was done and nothing invalid was found.</summary>
    public const int Success = 0;

    /// <summary>The input was read but is invalid (problems were printed).</summary>
    public const int Invalid = 1;

    /// <summary>Usage error, or input that could not be read or output that could not be written.</summary>
    public const int UsageOrIo = 2;
}
