using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace StmFhir.Tests.Shared;

/// <summary>
/// The real gateway as a separate process (<c>dotnet StmFhir.Gateway.dll</c>) on a free loopback port, configured the
/// way an operator would: environment variables only. It can be killed with SIGKILL (no graceful stop, no flush) and
/// started again on the same data folder. Disposing kills it if it still runs, so no test leaves a gateway behind.
/// </summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    private const int KeptOutputLines = 200;

    private readonly string _dll;
    private readonly Queue<string> _output = new();
    private Process? _process;

    /// <param name="dll">The built gateway (see <see cref="BuiltGatewayDll"/>).</param>
    /// <param name="workDirectory">The working directory (its <c>logs</c> folder receives the gateway's log files).</param>
    /// <param name="environment">Variables for the gateway, e.g. <c>STMFHIR_DATA_DIR</c>, <c>STMFHIR_TARGET_URL</c>.</param>
    public GatewayProcess(string dll, string workDirectory, IReadOnlyDictionary<string, string> environment)
    {
        _dll = dll;
        WorkDirectory = workDirectory;
        Environment = environment;
        Directory.CreateDirectory(workDirectory);
    }

    public string WorkDirectory { get; }

    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>The gateway's base address while it runs (a new free port per start).</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>The running process's id.</summary>
    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>How many times the gateway was started.</summary>
    public int Starts { get; private set; }

    /// <summary>The last lines the gateway wrote to stdout and stderr (ids and counts only: the gateway logs no patient data).</summary>
    public string RecentOutput
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <summary>
    /// The gateway built beside these tests or tools: <c>src/StmFhir.Gateway/bin/{Release|Debug}/net10.0/StmFhir.Gateway.dll</c>,
    /// the configuration taken from where the caller runs (a test project that references the gateway builds it there).
    /// </summary>
    public static string BuiltGatewayDll()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;
        return RepoRoot.Combine("src", "StmFhir.Gateway", "bin", configuration, framework, "StmFhir.Gateway.dll");
    }

    /// <summary>Starts the gateway and waits until <c>/readyz</c> answers 200 (the first start on a machine fills the validator cache, ~40 s).</summary>
    public async Task StartAsync(TimeSpan readyTimeout, CancellationToken cancellationToken = default)
    {
        if (_process is { HasExited: false })
        {
            throw new InvalidOperationException("The gateway is already running");
        }
        if (!File.Exists(_dll))
        {
            throw new InvalidOperationException($"No built gateway at {_dll}: dotnet build src/StmFhir.Gateway -c Release");
        }
        Url = new Uri($"http://127.0.0.1:{FreePort()}/");
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = WorkDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(_dll);
        foreach (var (name, value) in Environment)
        {
            start.Environment[name] = value;
        }
        start.Environment["ASPNETCORE_URLS"] = Url.ToString().TrimEnd('/');
        _process?.Dispose();
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet");
        Starts++;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The gateway exited with {_process.ExitCode} before it was ready:\n{RecentOutput}");
            }
            try
            {
                using var ready = await http.GetAsync(new Uri("readyz", UriKind.Relative), cancellationToken);
                if (ready.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Busy starting.
            }
            if (clock.Elapsed > readyTimeout)
            {
                Kill();
                throw new TimeoutException($"The gateway was not ready within {readyTimeout.TotalSeconds} s:\n{RecentOutput}");
            }
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>SIGKILL (Process.Kill on Unix): the gateway gets no chance to finish or hand anything back.</summary>
    public void Kill()
    {
        if (_process is null)
        {
            return;
        }
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        _process = null;
        return ValueTask.CompletedTask;
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > KeptOutputLines)
            {
                _output.Dequeue();
            }
        }
    }

    // The host running this process when it is dotnet (a test host, `dotnet tool.dll`), so the same SDK runs the gateway.
    private static string DotnetHost() =>
        System.Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
