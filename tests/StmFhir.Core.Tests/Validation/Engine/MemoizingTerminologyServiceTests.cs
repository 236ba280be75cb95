using Hl7.Fhir.Model;
using StmFhir.Core.Validation.Engine;

namespace StmFhir.Core.Tests.Validation.Engine;

/// <summary>What the terminology memo keeps is bounded by the length of a question, whatever the input sends.</summary>
public sealed class MemoizingTerminologyServiceTests
{
    private static Parameters Question(string code) => new Parameters()
        .Add("url", new FhirUri("http://hl7.org/fhir/ValueSet/observation-status"))
        .Add("coding", new Coding("http://hl7.org/fhir/observation-status", code));

    [Fact]
    public void AnOrdinaryQuestionHasAKeyNamingEveryInput()
    {
        var key = MemoizingTerminologyService.KeyOf(Question("final"), null);

        Assert.NotNull(key);
        Assert.Contains("observation-status|", key, StringComparison.Ordinal);
        Assert.Contains("|final|", key, StringComparison.Ordinal);
        Assert.NotEqual(key, MemoizingTerminologyService.KeyOf(Question("amended"), null));
    }

    [Fact]
    public void AQuestionLongerThanTheLimitHasNoKey_SoItIsAnsweredAndNotRemembered()
    {
        Assert.Null(MemoizingTerminologyService.KeyOf(Question(new string('a', MemoizingTerminologyService.MaxKeyLength)), null));
        var concept = new Parameters().Add("codeableConcept", new CodeableConcept { Text = new string('t', 5000) });
        Assert.Null(MemoizingTerminologyService.KeyOf(concept, null));
    }
}
