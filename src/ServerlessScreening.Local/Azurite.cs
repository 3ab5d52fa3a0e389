using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ServerlessScreening.Local;

/// <summary>
/// An Azurite storage emulator for one run: installed from the repository's npm lock file, started on free loopback
/// ports with its data in a new temporary folder (or in memory), and stopped (process tree killed, folder deleted) on
/// dispose. If this process dies without disposing it, the emulator notices within a second, removes its folder and
/// exits (<c>tools/exit-with-parent.cjs</c>, preloaded into it).
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;
    private readonly string? _dataDirectory;

    private Azurite(Process process, string? dataDirectory, int blobPort, int queuePort)
    {
        _process = process;
        _dataDirectory = dataDirectory;
        BlobPort = blobPort;
        QueuePort = queuePort;
    }

    public int BlobPort { get; }

    public int QueuePort { get; }

    /// <summary>The well-known development account, on this instance's ports.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{BlobPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{QueuePort}/devstoreaccount1;";

    /// <param name="repositoryRoot">Where node_modules/azurite is installed.</param>
    /// <param name="cancellationToken">Cancels waiting for the emulator to listen.</param>
    /// <param name="inMemory">Keep the emulator's data in memory instead of the temporary folder (faster; tests use it).</param>
    public static async Task<Azurite> StartAsync(string repositoryRoot, CancellationToken cancellationToken, bool inMemory = false)
    {
        var entry = Path.Combine(repositoryRoot, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(entry))
        {
            throw new LocalSetupException($"Azurite is not installed under {repositoryRoot}/node_modules; run `npm ci` in the repository root (the ./screening and ./test scripts do this).");
        }

        var exitWithParent = Path.Combine(repositoryRoot, "tools", "exit-with-parent.cjs");
        var dataDirectory = inMemory ? null : Directory.CreateTempSubdirectory("screening-azurite-").FullName;
        var (blobPort, queuePort, tablePort) = (FreePort(), FreePort(), FreePort());
        var start = new ProcessStartInfo("node")
        {
            ArgumentList =
            {
                "--require", exitWithParent, entry, "--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry", "--disableProductStyleUrl",
                "--blobHost", "127.0.0.1", "--blobPort", blobPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--queueHost", "127.0.0.1", "--queuePort", queuePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--tableHost", "127.0.0.1", "--tablePort", tablePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Diagnostics of the emulator itself, e.g. SCREENING_AZURITE_NODE_ARGS=--prof for a V8 profile of a measured run.
        if (Environment.GetEnvironmentVariable("SCREENING_AZURITE_NODE_ARGS") is { Length: > 0 } nodeArguments)
        {
            foreach (var argument in nodeArguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Reverse())
            {
                start.ArgumentList.Insert(0, argument);
            }
        }

        start.Environment["SCREENING_AZURITE_PARENT"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (dataDirectory is null)
        {
            start.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            start.ArgumentList.Add("--location");
            start.ArgumentList.Add(dataDirectory);
            start.Environment["SCREENING_AZURITE_DATA"] = dataDirectory;
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new LocalSetupException("Azurite did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            if (dataDirectory is not null)
            {
                Directory.Delete(dataDirectory, recursive: true);
            }

            throw new LocalSetupException("Node.js (`node`) is needed to run Azurite and was not found on PATH: " + e.Message);
        }

        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var azurite = new Azurite(process, dataDirectory, blobPort, queuePort);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(await Listening(blobPort) && await Listening(queuePort)))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await azurite.DisposeAsync();
                string log;
                lock (output)
                {
                    log = output.ToString();
                }

                throw new LocalSetupException("Azurite did not start listening: " + log.Trim());
            }

            await Task.Delay(100, cancellationToken);
        }

        return azurite;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }
        finally
        {
            _process.Dispose();
            try
            {
                if (_dataDirectory is not null)
                {
                    Directory.Delete(_dataDirectory, recursive: true);
                }
            }
            catch (IOException)
            {
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> Listening(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>The local environment cannot run: a clear message for the user, not a stack trace.</summary>
public sealed class LocalSetupException(string message) : Exception(message);
