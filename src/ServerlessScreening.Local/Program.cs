using System.CommandLine;
using ServerlessScreening.Local;

var root = new RootCommand("ServerlessScreening: clinical-trial pre-screening of site uploads, run locally against Azurite.");
root.Subcommands.Add(Commands.Run());
root.Subcommands.Add(Commands.Demo());
root.Subcommands.Add(Commands.Host());
root.Subcommands.Add(Commands.Reevaluate());
root.Subcommands.Add(Commands.Replay());
root.Subcommands.Add(Commands.SiteAccessCommand());
var parsed = root.Parse(args);
var exitCode = await parsed.InvokeAsync();

// Invoking a parse with errors prints them and the usage; the exit code for bad arguments is 2 (README), where
// System.CommandLine's default is 1.
return parsed.Errors.Count > 0 ? 2 : exitCode;
