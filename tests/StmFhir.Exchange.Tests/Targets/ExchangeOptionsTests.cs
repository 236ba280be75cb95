using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StmFhir.Exchange.Targets;

namespace StmFhir.Exchange.Tests.Targets;

public sealed class ExchangeOptionsTests
{
    [Fact]
    public void TargetsAreBoundFromTheExchangeSectionWithDocumentedDefaults()
    {
        var options = ExchangeOptions.From(Configuration(new()
        {
            ["Exchange:Targets:0:Name"] = "hospital",
            ["Exchange:Targets:0:BaseUrl"] = "https://ehr.example.org/fhir/R4",
            ["Exchange:Targets:0:Auth:Kind"] = "ClientCredentials",
            ["Exchange:Targets:0:Auth:TokenEndpoint"] = "https://ehr.example.org/oauth/token",
            ["Exchange:Targets:0:Auth:ClientId"] = "stmfhir",
            ["Exchange:Targets:0:Auth:ClientSecret"] = "s3cret",
            ["Exchange:Targets:0:Resilience:MaxRetryAttempts"] = "3",
        }));

        var target = Assert.Single(options.Targets);
        Assert.Equal("hospital", target.Name);
        Assert.Equal(FhirTargetAuthKind.ClientCredentials, target.Auth.Kind);
        Assert.Equal(3, target.Resilience.MaxRetryAttempts);
        Assert.Equal(50, target.MaxEntriesPerTransaction);
        Assert.Equal(8, target.MaxConditionalEntriesPerTransaction);
        Assert.Equal(TimeSpan.FromSeconds(30), target.Resilience.AttemptTimeout);
        Assert.Equal(FhirCompatibilityMode.Detect, target.Compatibility.LiteralRas2);
        Assert.Equal(ConflictPolicy.Manual, target.ConflictPolicy);
        Assert.Empty(ExchangeOptionsValidator.Validate(options));
    }

    [Fact]
    public void LiteralRas2CompatibilityIsBoundByNameAndAnUnknownValueIsRefusedNamingTheSetting()
    {
        var options = ExchangeOptions.From(Configuration(new()
        {
            ["Exchange:Targets:0:Name"] = "strict",
            ["Exchange:Targets:0:BaseUrl"] = "https://medplum.example.org/fhir/R4",
            ["Exchange:Targets:0:Compatibility:LiteralRas2"] = "On",
        }));
        Assert.Equal(FhirCompatibilityMode.On, Assert.Single(options.Targets).Compatibility.LiteralRas2);

        options.Targets[0].Compatibility.LiteralRas2 = (FhirCompatibilityMode)7;
        var problem = Assert.Single(ExchangeOptionsValidator.Validate(options));
        Assert.Contains("target 'strict'", problem, StringComparison.Ordinal);
        Assert.Contains("Compatibility:LiteralRas2 '7' is not one of Detect, On, Off", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ConflictPolicyIsBoundByName_AndAnUndefinedValueIsRefusedNamingIt()
    {
        var options = ExchangeOptions.From(Configuration(new()
        {
            ["Exchange:Targets:0:Name"] = "ehr",
            ["Exchange:Targets:0:BaseUrl"] = "https://ehr.example.org/fhir/R4",
            ["Exchange:Targets:0:ConflictPolicy"] = "Theirs",
        }));
        Assert.Equal(ConflictPolicy.Theirs, Assert.Single(options.Targets).ConflictPolicy);

        options.Targets[0].ConflictPolicy = (ConflictPolicy)7;

        Assert.Contains(ExchangeOptionsValidator.Validate(options), p => p.Contains("ConflictPolicy '7' is not one of Manual, Ours, Theirs", StringComparison.Ordinal));
    }

    [Fact]
    public void TargetUrlVariable_OverridesOnlyTheUrlOfAConfiguredDefault_KeepingItsAuthTimeoutsAndLimits()
    {
        var options = ExchangeOptions.From(Configuration(new()
        {
            ["Exchange:Targets:0:Name"] = "hospital",
            ["Exchange:Targets:0:BaseUrl"] = "https://hospital.example.org/fhir",
            ["Exchange:Targets:1:Name"] = "default",
            ["Exchange:Targets:1:BaseUrl"] = "https://old.example.org/fhir",
            ["Exchange:Targets:1:Auth:Kind"] = "Bearer",
            ["Exchange:Targets:1:Auth:Token"] = "abc",
            ["Exchange:Targets:1:MaxEntriesPerTransaction"] = "7",
            ["Exchange:Targets:1:Resilience:AttemptTimeout"] = "00:00:03",
            ["Exchange:Targets:1:Resilience:MaxRetryAttempts"] = "2",
            ["Exchange:Targets:1:Pull:Enabled"] = "true",
            ["STMFHIR_TARGET_URL"] = "http://127.0.0.1:8080/fhir/R4",
        }));

        Assert.Equal(["hospital", "default"], options.Targets.Select(t => t.Name));
        var target = options.Targets[1];
        Assert.Equal(new Uri("http://127.0.0.1:8080/fhir/R4"), target.BaseUrl);
        Assert.Equal((FhirTargetAuthKind.Bearer, "abc"), (target.Auth.Kind, target.Auth.Token));
        Assert.Equal(7, target.MaxEntriesPerTransaction);
        Assert.Equal((TimeSpan.FromSeconds(3), 2), (target.Resilience.AttemptTimeout, target.Resilience.MaxRetryAttempts));
        Assert.True(target.Pull.Enabled);
        Assert.Equal(new Uri("https://hospital.example.org/fhir"), options.Targets[0].BaseUrl);
    }

    [Fact]
    public void TargetUrlVariable_WithoutAConfiguredDefault_DeclaresOneWithoutAuthentication()
    {
        var options = ExchangeOptions.From(Configuration(new()
        {
            ["Exchange:Targets:0:Name"] = "hospital",
            ["Exchange:Targets:0:BaseUrl"] = "https://hospital.example.org/fhir",
            ["STMFHIR_TARGET_URL"] = "http://127.0.0.1:8080/fhir/R4",
        }));

        Assert.Equal(["hospital", "default"], options.Targets.Select(t => t.Name));
        Assert.Equal(new Uri("http://127.0.0.1:8080/fhir/R4"), options.Targets[1].BaseUrl);
        Assert.Equal(FhirTargetAuthKind.None, options.Targets[1].Auth.Kind);
        Assert.Equal(new FhirTargetOptions().MaxEntriesPerTransaction, options.Targets[1].MaxEntriesPerTransaction);
    }

    [Fact]
    public void InvalidTargetsFailRegistrationWithEveryProblemNamed()
    {
        var options = new ExchangeOptions
        {
            Targets =
            [
                new FhirTargetOptions { Name = "a b", BaseUrl = new Uri("ftp://x.example.org/") },
                new FhirTargetOptions { Name = "ok", BaseUrl = new Uri("https://x.example.org/"), MaxEntriesPerTransaction = 0, Auth = new() { Kind = FhirTargetAuthKind.Bearer } },
                new FhirTargetOptions { Name = "ok", BaseUrl = new Uri("https://y.example.org/"), Auth = new() { Kind = FhirTargetAuthKind.ClientCredentials },
                    Resilience = new() { TotalTimeout = TimeSpan.FromSeconds(1) } },
            ],
        };

        var error = Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddFhirExchange(options));

        var failures = string.Join("\n", error.Failures);
        Assert.Contains("Name 'a b'", failures, StringComparison.Ordinal);
        Assert.Contains("BaseUrl 'ftp://x.example.org/'", failures, StringComparison.Ordinal);
        Assert.Contains("MaxEntriesPerTransaction 0", failures, StringComparison.Ordinal);
        Assert.Contains("Auth:Token is required", failures, StringComparison.Ordinal);
        Assert.Contains("Name 'ok' is used by another target", failures, StringComparison.Ordinal);
        Assert.Contains("Auth:TokenEndpoint", failures, StringComparison.Ordinal);
        Assert.Contains("Auth:ClientId", failures, StringComparison.Ordinal);
        Assert.Contains("TotalTimeout", failures, StringComparison.Ordinal);
    }

    [Fact]
    public void RelativeTargetUrlIsRefused()
    {
        var options = ExchangeOptions.From(Configuration(new() { ["STMFHIR_TARGET_URL"] = "fhir/R4" }));

        Assert.Contains(ExchangeOptionsValidator.Validate(options), p => p.Contains("must be an absolute http or https URL", StringComparison.Ordinal));
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
