using System.CommandLine;
using System.Globalization;
using StmFhir.Core.Outcomes;
using StmFhir.Exchange.Outcomes;
using StmFhir.Exchange.Store;

namespace StmFhir.Cli.Commands;

/// <summary>
/// <c>stmfhir outcomes &lt;patient&gt; [--json]</c>: a patient's pain and range of motion across their STM sessions, as
/// <c>GET /fhir/Patient/{id}/$stm-outcomes</c> gives them (the same code), read from the gateway's database (found as
/// <c>stmfhir outbox</c> finds it: <see cref="GatewaySettings"/>). The patient is a Patient id or a business identifier
/// <c>system|value</c>. A table per measure, or with <c>--json</c> the operation's Parameters resource. Exit code 1 when
/// no such patient is stored, 2 when the database cannot be opened.
/// </summary>
internal static class OutcomesCommand
{
    public static Command Create()
    {
        var settings = new GatewaySettings.Options();
        var patient = new Argument<string>("patient") { Description = "The Patient id, or its identifier as system|value." };
        var json = new Option<bool>("--json") { Description = "Print the $stm-outcomes Parameters resource (FHIR JSON) instead of tables." };
        var command = new Command("outcomes", "Show a patient's pain and range of motion across their STM sessions, with changes judged against cited thresholds.")
        {
            patient, json,
        };
        foreach (var option in settings.All)
        {
            command.Options.Add(option);
        }
        command.SetAction((parseResult, cancellationToken) => OutboxCommand.WithStoreAsync(settings.From(parseResult),
            parseResult.InvocationConfiguration.Error,
            (store, ct) => RunAsync(store, parseResult.GetValue(patient)!, parseResult.GetValue(json), parseResult.InvocationConfiguration, ct),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(IResourceStore store, string patient, bool json, InvocationConfiguration io, CancellationToken cancellationToken)
    {
        var id = await PatientIdAsync(store, patient, cancellationToken);
        var report = id is null ? null : await PatientOutcomes.ReadAsync(store, id, cancellationToken);
        if (report is null)
        {
            await io.Error.WriteLineAsync($"No patient '{patient}' in the gateway's database (give a Patient id or its identifier as system|value).");
            return ExitCodes.Invalid;
        }
        if (json)
        {
            await io.Output.WriteLineAsync(OutcomeParameters.ToJson(report, indented: true));
        }
        else
        {
            await io.Output.WriteAsync(OutcomeText.Of(report));
        }
        return ExitCodes.Success;
    }

    private static async Task<string?> PatientIdAsync(IResourceStore store, string patient, CancellationToken cancellationToken)
    {
        var bar = patient.IndexOf('|', StringComparison.Ordinal);
        if (bar < 0)
        {
            return patient;
        }
        var criterion = new SearchCriterion(SearchParameterCatalog.Find("Patient", "identifier")!,
            [new TokenValue(patient[..bar], patient[(bar + 1)..])]);
        var found = await store.SearchAsync(new SearchQuery("Patient", [criterion], 1, 0), cancellationToken);
        return found.Resources.Count > 0 ? found.Resources[0].Id : null;
    }
}
