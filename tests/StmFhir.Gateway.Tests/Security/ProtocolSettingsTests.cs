using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StmFhir.Gateway.Configuration;
using StmFhir.Gateway.Tests.Infrastructure;

namespace StmFhir.Gateway.Tests.Security;

/// <summary>The public address, allowed hosts and failure throttle settings are checked at start, naming the setting.</summary>
public sealed class ProtocolSettingsTests
{
    [Theory]
    [InlineData("Fhir:PublicBaseUrl", "stm.example-hospital.org", "Fhir:PublicBaseUrl")]
    [InlineData("Fhir:PublicBaseUrl", "ftp://stm.example-hospital.org", "Fhir:PublicBaseUrl")]
    [InlineData("Fhir:PublicBaseUrl", "https://stm.example-hospital.org/?tenant=1", "Fhir:PublicBaseUrl")]
    [InlineData("AllowedHosts", "https://stm.example-hospital.org", "AllowedHosts")]
    [InlineData("AllowedHosts", "stm.example-hospital.org:8080", "AllowedHosts")]
    [InlineData("AllowedHosts", "[::1]:8080", "AllowedHosts")]
    [InlineData("AllowedHosts", ";", "AllowedHosts")]
    [InlineData("Authentication:FailureThrottle:FailuresPerWindow", "0", "FailuresPerWindow")]
    [InlineData("Authentication:FailureThrottle:Window", "00:00:00.010", "FailureThrottle:Window")]
    public void InvalidSetting_IsRefusedAtStart(string key, string value, string named)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Validate(key, value));

        Assert.Contains(named, error.Message);
    }

    [Theory]
    [InlineData("Fhir:PublicBaseUrl", "https://stm.example-hospital.org/gateway/")]
    [InlineData("AllowedHosts", "stm.example-hospital.org;*.example-clinic.org;[::1];10.0.0.7")]
    [InlineData("AllowedHosts", "*")]
    public void ValidSetting_IsAccepted(string key, string value) => Validate(key, value);

    [Fact]
    public void AllowedHosts_DefaultToThisMachine_AndToAnyHostWithAPublicBaseUrl()
    {
        Assert.Equal(["localhost", "127.0.0.1", "[::1]"], new PublicAddressOptions().EffectiveAllowedHosts());
        Assert.Equal(["*"], new PublicAddressOptions { PublicBaseUrl = "https://stm.example-hospital.org" }.EffectiveAllowedHosts());
        Assert.Equal(["a.example.org"], new PublicAddressOptions { PublicBaseUrl = "https://stm.example-hospital.org", AllowedHosts = "a.example.org" }.EffectiveAllowedHosts());
    }

    private static void Validate(string key, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Authentication:ApiKeys:0:Name"] = "tests",
            ["Authentication:ApiKeys:0:Key"] = GatewayFactory.ReadWriteKey,
            [key] = value,
        }).Build();
        using var provider = new ServiceCollection().AddGatewayOptions(configuration).BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();
    }
}
