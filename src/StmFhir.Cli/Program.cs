using StmFhir.Cli;

return await StmFhirCommand.Create().Parse(args).InvokeAsync();
