using StmFhir.Gateway.Health;

var builder = WebApplication.CreateBuilder(args);

var app = builder.Build();

app.MapHealth();

app.Run();

/// <summary>The gateway's entry point; public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
