using StmFhir.Cli;

return await StmFhirCommand.RunAsync(args, Console.Out, Console.Error);
