using System.CommandLine;
using ServerlessScreening.Local;

var root = new RootCommand("ServerlessScreening: clinical-trial pre-screening of site uploads, run locally against Azurite.");
root.Subcommands.Add(Commands.Run());
root.Subcommands.Add(Commands.Demo());
root.Subcommands.Add(Commands.Host());
root.Subcommands.Add(Commands.Reevaluate());
root.Subcommands.Add(Commands.Replay());
root.Subcommands.Add(Commands.SiteAccessCommand());
return await root.Parse(args).InvokeAsync();
