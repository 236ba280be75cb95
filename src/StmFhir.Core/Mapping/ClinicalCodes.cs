using Hl7.Fhir.Model;
using StmFhir.Core.Sessions;
using StmFhir.Core.Terminology;

namespace StmFhir.Core.Mapping;

/// <summary>SNOMED CT / ICD-10-CM statements (indications and screening findings) as CodeableConcepts.</summary>
internal static class ClinicalCodes
{
    public static CodeableConcept ToConcept(ClinicalCode code)
    {
        var concept = new CodeableConcept { Text = code.Text };
        if (code.Snomed is { } snomed)
        {
            concept.Coding.Add(new Coding(StmCanonical.Standard.Snomed, snomed));
        }
        if (code.Icd10Cm is { } icd)
        {
            concept.Coding.Add(new Coding(StmCanonical.Standard.Icd10Cm, icd));
        }
        return concept;
    }

    public static ClinicalCode? FromConcept(CodeableConcept? concept, string expression, MappingProblems problems)
    {
        var snomed = concept?.Coding.FirstOrDefault(c => c.System == StmCanonical.Standard.Snomed)?.Code;
        var icd = concept?.Coding.FirstOrDefault(c => c.System == StmCanonical.Standard.Icd10Cm)?.Code;
        if (snomed is null && icd is null)
        {
            problems.Add(expression, "has neither a SNOMED CT nor an ICD-10-CM coding");
            return null;
        }
        return new ClinicalCode { Snomed = snomed, Icd10Cm = icd, Text = concept!.Text };
    }
}
