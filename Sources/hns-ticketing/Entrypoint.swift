import HNSCore
import Ticketing

@main
enum Entrypoint {
    static func main() async {
        await TicketingCommand.runAsRoot()
    }
}
