/**
 * Deadline reminders (缴费提醒): the student's acceptance, the timer that sends them, the console's
 * figures. Other features and the function entries use it only through this file.
 */
export { remindersConsoleHandlers, remindersStudentHandlers } from './handlers';
