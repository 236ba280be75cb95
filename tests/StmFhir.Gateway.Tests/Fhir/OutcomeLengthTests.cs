using System.Net;
using Hl7.Fhir.Model;
using StmFhir.Gateway.Fhir;
using StmFhir.Gateway.Tests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Fhir;

/// <summary>No answer quotes a request back at length: long values and diagnostics are cut, saying how long they were.</summary>
public sealed class OutcomeLengthTests(GatewayFactory factory) : IClassFixture<GatewayFactory>
{
    [Fact]
    public void Shorten_KeepsShortText_AndCutsLongTextSayingItsLength()
    {
        Assert.Equal("short", Outcomes.Quote("short"));
        Assert.Equal(new string('x', 200), Outcomes.Quote(new string('x', 200)));
        Assert.Equal(new string('x', 200) + "… (5000 characters)", Outcomes.Quote(new string('x', 5000)));
    }

    [Fact]
    public void Shorten_NeverCutsACharacterInTwo()
    {
        var text = new string('x', 199) + "😀" + new string('y', 100);

        var quoted = Outcomes.Quote(text);

        Assert.Equal(new string('x', 199) + "… (301 characters)", quoted);
    }

    [Fact]
    public void Result_CutsDiagnosticsMadeElsewhere()
    {
        var outcome = new OperationOutcome { Issue = [new OperationOutcome.IssueComponent { Diagnostics = new string('v', 50_000) }] };

        Outcomes.Result(400, outcome);

        Assert.Equal(Outcomes.MaxDiagnosticsLength + "… (50000 characters)".Length, outcome.Issue[0].Diagnostics!.Length);
    }

    [Fact]
    public async Task AVeryLongIdInTheUrl_IsNotQuotedBackWhole()
    {
        var id = new string('a', 60_000);

        var response = await factory.ClientWithKey().GetAsync($"/fhir/Patient/{id}");

        var outcome = await response.AssertOutcomeAsync(HttpStatusCode.NotFound);
        Assert.InRange(outcome.Diagnostics().Length, 100, Outcomes.MaxDiagnosticsLength + 30);
        Assert.EndsWith("… (60021 characters)", outcome.Diagnostics());
    }
}
