using Hl7.Fhir.Model;
using StmFhir.Core.Sessions;
using StmFhir.Core.Terminology;

namespace StmFhir.Core.Mapping;

/// <summary>Patient and Practitioner: matched on their own identifiers, so one person is one resource across sessions.</summary>
internal static class PersonMapper
{
    public static string PatientId(PatientRecord patient) => SessionKeys.PersonId("Patient", patient.Identifier);

    public static string PractitionerId(ClinicianRecord clinician) => SessionKeys.PersonId("Practitioner", clinician.Identifier);

    public static Patient ToPatient(PatientRecord record) => new()
    {
        Meta = FhirValues.Profile(StmCanonical.Profiles.Patient),
        Identifier = [FhirValues.Identifier(record.Identifier)],
        Name = [FhirValues.Name(record.Name)],
        Gender = record.Sex switch
        {
            AdministrativeSex.Male => AdministrativeGender.Male,
            AdministrativeSex.Female => AdministrativeGender.Female,
            AdministrativeSex.Other => AdministrativeGender.Other,
            _ => AdministrativeGender.Unknown,
        },
        BirthDate = FhirValues.Date(record.BirthDate),
    };

    public static Practitioner ToPractitioner(ClinicianRecord record) => new()
    {
        Meta = FhirValues.Profile(StmCanonical.Profiles.Practitioner),
        Identifier = [FhirValues.Identifier(record.Identifier)],
        Name = [FhirValues.Name(record.Name)],
    };

    public static PatientRecord? FromPatient(Patient? patient, MappingProblems problems)
    {
        if (problems.Require(patient, "Procedure.subject", "does not resolve to a Patient") is null)
        {
            return null;
        }
        var identifier = problems.Require(FhirValues.Identifier(patient!.Identifier.FirstOrDefault()), "Patient.identifier");
        var name = problems.Require(FhirValues.Name(patient.Name.FirstOrDefault()), "Patient.name");
        var birthDate = problems.Require(FhirValues.ParseDate(patient.BirthDate), "Patient.birthDate");
        AdministrativeSex? sex = patient.Gender switch
        {
            AdministrativeGender.Male => AdministrativeSex.Male,
            AdministrativeGender.Female => AdministrativeSex.Female,
            AdministrativeGender.Other => AdministrativeSex.Other,
            AdministrativeGender.Unknown => AdministrativeSex.Unknown,
            _ => null,
        };
        problems.Require(sex, "Patient.gender");
        return identifier is null || name is null || birthDate is null || sex is null
            ? null
            : new PatientRecord { Identifier = identifier, Name = name, BirthDate = birthDate.Value, Sex = sex.Value };
    }

    public static ClinicianRecord? FromPractitioner(Practitioner? practitioner, MappingProblems problems)
    {
        if (problems.Require(practitioner, "Procedure.performer[0].actor", "does not resolve to a Practitioner") is null)
        {
            return null;
        }
        var identifier = problems.Require(FhirValues.Identifier(practitioner!.Identifier.FirstOrDefault()), "Practitioner.identifier");
        var name = problems.Require(FhirValues.Name(practitioner.Name.FirstOrDefault()), "Practitioner.name");
        return identifier is null || name is null ? null : new ClinicianRecord { Identifier = identifier, Name = name };
    }
}
