import type { Provider } from "../provider";

/**
 * Delivering in-app is storing it in the recipient's inbox, which the completing status write
 * does (see Notification.complete).
 */
export const inApp: Provider = async () => ({ status: "delivered" });
