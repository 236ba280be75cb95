namespace StmFhir.Gateway.Ingest;

/// <summary>The intake path every write goes through (<see cref="IngestService"/>).</summary>
internal static class IngestRegistration
{
    public static IServiceCollection AddGatewayIngest(this IServiceCollection services) => services.AddSingleton<FindingChanges>().AddSingleton<IngestService>();
}
