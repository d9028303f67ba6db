return CommunityModel.Cli.CliApp.Run(args, Console.Out, Console.Error, interactive: !Console.IsErrorRedirected);
