using Hl7.Fhir.Model;
using StmFhir.Core.Sessions;
using StmFhir.Core.Terminology;
using static StmFhir.Core.Terminology.StmCanonical;

namespace StmFhir.Core.Mapping;

/// <summary>The session itself as a Procedure (profile stm-procedure; MAPPING.md, "Procedure").</summary>
internal static class ProcedureMapper
{
    private const string Rhythm = "rhythm";
    private const string Stroke = "stroke";

    public static Procedure ToProcedure(StmSession session, SessionKeys keys, string patientId, string practitionerId)
    {
        var procedure = new Procedure
        {
            Id = keys.ProcedureId,
            Meta = FhirValues.Profile(Profiles.Procedure),
            Identifier = [keys.ProcedureIdentifier],
            Status = session.Status switch
            {
                SessionStatus.Completed => EventStatus.Completed,
                SessionStatus.Stopped => EventStatus.Stopped,
                _ => EventStatus.NotDone,
            },
            StatusReason = session.StatusReason is { } reason ? new CodeableConcept { Text = reason } : null,
            Category = FhirValues.Concept(StmCodes.PhysicalTherapyProcedure),
            Code = FhirValues.Concept(StmCodes.Cpt97140, StmCodes.StmProcedure),
            Subject = FhirValues.Reference(patientId),
            Encounter = session.EncounterId is { } encounter ? EncounterReference(session.SourceSystem, encounter) : null,
            Performed = new Period
            {
                Start = FhirValues.DateTime(session.Start),
                End = session.End is { } end ? FhirValues.DateTime(end) : null,
            },
            Performer = [new Procedure.PerformerComponent { Actor = FhirValues.Reference(practitionerId) }],
            ReasonCode = [.. session.Indications.Select(ClinicalCodes.ToConcept)],
            BodySite = [.. session.Regions.Select(ToBodySite)],
            Complication = [.. session.Complications.Select(ToComplication)],
            Note = session.Notes is { } notes ? [new Annotation { Text = new Markdown(notes) }] : [],
            UsedCode = UsedCodes(session),
        };
        procedure.Extension.Add(FhirValues.CodedExtension(Extensions.ProcedureMethod, StmCodes.Technique.Coding(session.Technique)));
        procedure.Extension.Add(FhirValues.CodedExtension(Extensions.Pressure, StmCodes.Pressure.Coding(session.Pressure)));
        procedure.Extension.Add(StrokePattern(session));
        return procedure;
    }

    /// <summary>Everything the Procedure holds, as a session; the caller adds measurements and screening.</summary>
    public static StmSession? ToSession(Procedure procedure, PatientRecord? patient, ClinicianRecord? clinician, MappingProblems problems)
    {
        var identifier = procedure.Identifier.FirstOrDefault(i => i.Use == Identifier.IdentifierUse.Official)
                         ?? procedure.Identifier.FirstOrDefault();
        problems.Require(identifier?.System, "Procedure.identifier.system");
        problems.Require(identifier?.Value, "Procedure.identifier.value");
        SessionStatus? status = procedure.Status switch
        {
            EventStatus.Completed => SessionStatus.Completed,
            EventStatus.Stopped => SessionStatus.Stopped,
            EventStatus.NotDone => SessionStatus.NotDone,
            _ => null,
        };
        problems.Require(status, "Procedure.status", "must be completed, stopped or not-done");
        var period = procedure.Performed as Period;
        var start = problems.Require(FhirValues.ParseDateTime(period?.Start), "Procedure.performedPeriod.start");
        var technique = problems.Require(StmCodes.Technique.From(FhirValues.ExtensionConcept(procedure, Extensions.ProcedureMethod)),
            "Procedure.extension('procedure-method')");
        var pressure = problems.Require(StmCodes.Pressure.From(FhirValues.ExtensionConcept(procedure, Extensions.Pressure)),
            "Procedure.extension('stm-pressure')");
        var pattern = procedure.GetExtension(Extensions.StrokePattern);
        var rhythm = problems.Require(StmCodes.StrokeRhythm.From(pattern?.GetExtensionValue<CodeableConcept>(Rhythm)),
            "Procedure.extension('stm-stroke-pattern').extension('rhythm')");
        var regions = procedure.BodySite.Select((site, i) => FromBodySite(site, i, problems)).ToList();
        var indications = procedure.ReasonCode.Select((concept, i) => ClinicalCodes.FromConcept(concept, $"Procedure.reasonCode[{i}]", problems)).ToList();
        var complications = procedure.Complication.Select((concept, i) => FromComplication(concept, i, problems)).ToList();

        if (identifier?.System is null || identifier.Value is null || patient is null || clinician is null || status is null
            || start is null || technique is null || pressure is null || rhythm is null)
        {
            return null;
        }
        var (instrument, lubricant) = ReadUsedCodes(procedure);
        return new StmSession
        {
            SourceSystem = identifier.System,
            SessionId = identifier.Value,
            Patient = patient,
            Clinician = clinician,
            EncounterId = procedure.Encounter?.Identifier?.Value,
            Status = status.Value,
            StatusReason = procedure.StatusReason?.Text,
            Start = start.Value,
            End = FhirValues.ParseDateTime(period?.End),
            Technique = technique.Value,
            Instrument = instrument,
            Lubricant = lubricant,
            Pressure = pressure.Value,
            StrokeRhythm = rhythm.Value,
            Strokes = [.. pattern?.Extension.Where(e => e.Url == Stroke)
                .Select(e => StmCodes.StrokeType.From(e.Value as CodeableConcept)).OfType<StrokeType>() ?? []],
            Regions = [.. regions.OfType<TreatedRegion>()],
            Indications = [.. indications.OfType<ClinicalCode>()],
            Complications = [.. complications.OfType<Complication>()],
            Notes = procedure.Note.FirstOrDefault()?.Text,
        };
    }

    private static ResourceReference EncounterReference(string sourceSystem, string encounterId) => new()
    {
        Type = "Encounter",
        Identifier = new Identifier(sourceSystem, encounterId)
        {
            Type = new CodeableConcept(Standard.IdentifierType, "VN", "Visit number"),
        },
    };

    private static Extension StrokePattern(StmSession session)
    {
        var pattern = new Extension { Url = Extensions.StrokePattern };
        pattern.Extension.Add(FhirValues.CodedExtension(Rhythm, StmCodes.StrokeRhythm.Coding(session.StrokeRhythm)));
        foreach (var stroke in session.Strokes)
        {
            pattern.Extension.Add(FhirValues.CodedExtension(Stroke, StmCodes.StrokeType.Coding(stroke)));
        }
        return pattern;
    }

    private static CodeableConcept ToBodySite(TreatedRegion region)
    {
        var site = FhirValues.BodySite(StmCodes.BodyRegions[region.Site], region.Laterality);
        site.Extension.Add(new Extension(Extensions.RegionMinutes, new Duration
        {
            Value = region.Minutes,
            Unit = "min",
            System = Standard.Ucum,
            Code = "min",
        }));
        return site;
    }

    private static TreatedRegion? FromBodySite(CodeableConcept site, int index, MappingProblems problems)
    {
        var at = $"Procedure.bodySite[{index}]";
        var region = problems.Require(StmCodes.Find(StmCodes.BodyRegions, site), at, "is not a known STM body region");
        var minutes = problems.Require(site.GetExtensionValue<Duration>(Extensions.RegionMinutes)?.Value, $"{at}.extension('stm-region-minutes')");
        return region is null || minutes is null ? null : new TreatedRegion(region.Value, FhirValues.LateralityOf(site), (int)minutes.Value);
    }

    private static List<CodeableConcept> UsedCodes(StmSession session)
    {
        var used = new List<CodeableConcept>();
        if (session.Instrument is { } instrument)
        {
            var coding = instrument.ToolSystem == ToolSystem.Graston ? StmCodes.GrastonInstrument : StmCodes.IastmInstrument;
            used.Add(FhirValues.Concept(coding, text: instrument.Name));
        }
        if (session.Lubricant is { } lubricant)
        {
            used.Add(FhirValues.Concept(StmCodes.Lubricant, text: lubricant));
        }
        return used;
    }

    private static (InstrumentRecord? Instrument, string? Lubricant) ReadUsedCodes(Procedure procedure)
    {
        InstrumentRecord? instrument = null;
        string? lubricant = null;
        foreach (var used in procedure.UsedCode)
        {
            if (used.Text is not { } name)
            {
                continue;
            }
            if (used.Coding.Any(c => c.System == CodeSystems.UsedItem && c.Code == StmCodes.Lubricant.Code))
            {
                lubricant = name;
            }
            else if (used.Coding.Any(c => c.System == CodeSystems.UsedItem && c.Code == StmCodes.GrastonInstrument.Code))
            {
                instrument = new InstrumentRecord(name, ToolSystem.Graston);
            }
            else if (used.Coding.Any(c => c.System == CodeSystems.UsedItem && c.Code == StmCodes.IastmInstrument.Code))
            {
                instrument = new InstrumentRecord(name, ToolSystem.Other);
            }
        }
        return (instrument, lubricant);
    }

    private static CodeableConcept ToComplication(Complication complication)
    {
        var concept = StmCodes.Complication.Concept(complication.Kind);
        if (complication.Kind == ComplicationKind.Petechiae)
        {
            concept.Coding.Add((Coding)StmCodes.SnomedPetechiae.DeepCopy());
        }
        concept.Text = complication.Note;
        return concept;
    }

    private static Complication? FromComplication(CodeableConcept concept, int index, MappingProblems problems)
    {
        var kind = problems.Require(StmCodes.Complication.From(concept), $"Procedure.complication[{index}]", "is not a known STM complication");
        return kind is null ? null : new Complication(kind.Value, concept.Text);
    }
}
