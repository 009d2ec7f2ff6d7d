import HNSCore
import Ticketing

@main
enum Entrypoint {
    static func main() async {
        EventLoopExecutor.installUnlessDisabled()
        await TicketingCommand.runAsRoot()
    }
}
