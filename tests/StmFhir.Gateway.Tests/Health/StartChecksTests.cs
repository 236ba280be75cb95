using System.Diagnostics;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Health;

/// <summary>
/// The gateway as a real process started the way a newcomer or an operator starts it: a settings error stops it with
/// one plain line per problem and exit code 2 (no stack trace), and a Production start with no credential says so.
/// </summary>
public sealed class StartChecksTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("stmfhir-start-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("99:00:00", "Settings error: Fhir:ValidationWarmUp must be between 00:00:00 and 00:05:00")]
    [InlineData("not-a-time", "Settings error: Failed to convert configuration value at 'Fhir:ValidationWarmUp' to type 'System.TimeSpan'")]
    public async Task ASettingsError_StopsTheGatewayWithOneLineNamingTheSetting(string value, string expected)
    {
        var (exitCode, output) = await RunAsync(new() { ["Fhir__ValidationWarmUp"] = value }, stopAfter: null);

        Assert.Equal(2, exitCode);
        Assert.Contains(expected, output);
        Assert.DoesNotContain("   at ", output);
        Assert.DoesNotContain("Unhandled exception", output);
        // The value itself is not repeated: a mistyped setting may hold a secret (the range message names no value).
        Assert.DoesNotContain("'" + value + "'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AProductionStartWithoutCredential_SaysSoAtStart()
    {
        var (_, output) = await RunAsync(new() { ["ASPNETCORE_ENVIRONMENT"] = "Production" }, stopAfter: "Now listening on");

        Assert.Contains("No credential is configured", output);
    }

    /// <summary>Runs the built gateway until it exits, or until a line containing <paramref name="stopAfter"/> appears (then kills it).</summary>
    private async Task<(int ExitCode, string Output)> RunAsync(Dictionary<string, string> environment, string? stopAfter)
    {
        var start = new ProcessStartInfo("dotnet", Path.Combine(AppContext.BaseDirectory, "StmFhir.Gateway.dll"))
        {
            WorkingDirectory = _folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["STMFHIR_DATA_DIR"] = Path.Combine(_folder, "data");
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var seen = new TaskCompletionSource();
        using var process = new Process { StartInfo = start };
        DataReceivedEventHandler collect = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            lines.Enqueue(e.Data);
            if (stopAfter is not null && e.Data.Contains(stopAfter, StringComparison.Ordinal))
            {
                seen.TrySetResult();
            }
        };
        process.OutputDataReceived += collect;
        process.ErrorDataReceived += collect;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await Task.WhenAny(process.WaitForExitAsync(timeout.Token), seen.Task.WaitAsync(timeout.Token));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            await process.WaitForExitAsync();
        }
        return (process.ExitCode, string.Join('\n', lines));
    }
}
