using System.CommandLine;

namespace StmFhir.Cli;

/// <summary>The <c>stmfhir</c> root command: one sub-command per file in Commands/.</summary>
internal static class StmFhirCommand
{
    public static RootCommand Create()
    {
        var root = new RootCommand("StmFhir: map, validate and exchange soft tissue mobilization (STM) therapy data as FHIR R4.");
        return root;
    }
}
