import HNSCore
import WaitingRoom

@main
enum Entrypoint {
    static func main() async {
        await QueueCommand.runAsRoot()
    }
}
