// The heap in huge pages where Linux offers them (see HugePages): fewer page faults on large files.
CommunityModel.Cli.HugePages.Advise(Environment.GetEnvironmentVariable("COMMUNITY_HUGE_PAGES"));
return CommunityModel.Cli.CliApp.Run(args, Console.Out, Console.Error, interactive: !Console.IsErrorRedirected);
