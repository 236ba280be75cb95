using StmFhir.Gateway.Audit;
using StmFhir.Gateway.OperatorConsole;
using StmFhir.Gateway.Configuration;
using StmFhir.Gateway.Errors;
using StmFhir.Gateway.Exchange;
using StmFhir.Gateway.Fhir;
using StmFhir.Gateway.Health;
using StmFhir.Gateway.Ingest;
using StmFhir.Gateway.Logging;
using StmFhir.Gateway.OutcomeTrends;
using StmFhir.Gateway.Package;
using StmFhir.Gateway.Security;
using StmFhir.Gateway.Sessions;
using StmFhir.Gateway.Storage;
using StmFhir.Gateway.Telemetry;
using StmFhir.Gateway.ValidatorPage;

// appsettings*.json sit beside the executable: found whatever the working directory (which holds data/ and logs/).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.UseDefaultAddressWhenNoneConfigured();
builder.UseGatewayKestrelSettings();

builder.Services.AddGatewayOptions(builder.Configuration);
builder.Services.AddGatewayLogging();
builder.Services.AddGatewaySecurity();
builder.Services.AddGatewayStorage();
builder.Services.AddGatewayAudit();
builder.Services.AddGatewayIngest();
builder.Services.AddGatewayExchange(builder.Configuration);
builder.Services.AddGatewayFhir();
builder.Services.AddGatewayOpenApi();
builder.Services.AddGatewayTelemetry(builder.Configuration);

var app = builder.Build();
app.WarnWhenNoCredential();

app.UseMiddleware<CorrelationIdMiddleware>();
app.UseMiddleware<ApiHeadersMiddleware>();
app.UseMiddleware<StmFhir.Gateway.Fhir.FhirFormatMiddleware>();
app.UseGatewayRequestLogging();
app.UseMiddleware<ErrorHandlingMiddleware>();
app.UseCors();
app.UseGatewayAudit();
app.UseGatewaySecurity();

app.MapHealth();
app.MapGatewayMetrics();
app.MapOpenApi().AllowAnonymous();
app.MapStmSessions();
app.MapStmSessionValidate();
app.MapFhirMetadata();
app.MapFhirPackage();
app.MapFhirResources();
app.MapAuditEvents();
app.MapFhirTransactions();
app.MapFhirValidate();
app.MapValidatorPage();
app.MapPatientOutcomes();
app.MapOutcomesPage();
app.MapExchangeStatus();
app.MapOutboxActions();
app.MapOperatorConsole();
app.MapJwks();

try
{
    app.Run();
}
catch (Exception exception) when (StartChecks.ReportSettingsError(exception, Console.Error))
{
    return StartChecks.SettingsErrorExitCode;
}
return 0;

/// <summary>The gateway's entry point; public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
