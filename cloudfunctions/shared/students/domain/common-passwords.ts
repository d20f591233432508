/**
 * Passwords of 8 or more characters that appear at the top of public leaked-password rankings,
 * Chinese sites included. Compared lower-cased; shorter ones are already refused for length.
 */
export const COMMON_PASSWORDS: ReadonlySet<string> = new Set([
  '12345678', '123456789', '1234567890', '0123456789', '87654321', '987654321', '9876543210',
  '11111111', '00000000', '88888888', '66666666', '99999999', '22222222', '55555555', '12341234',
  '12121212', '11223344', '11112222', '12344321', '123123123', '123321123', '147258369', '147852369',
  '963852741', '159357456', '159753456', '321321321', '1234567a', '1234abcd', '12345678a',
  '123456abc', '123456aa', '123456qq', '123456as', 'a1234567', 'a12345678', 'a123456789',
  'aa123456', 'aa12345678', 'abc12345', 'abc123456', 'abcd1234', 'abcd12345', 'qq123456',
  'qq12345678', 'qaz123456', 'qwe12345', 'qwe123456', 'qwer1234', 'qwert123', 'qwerty12',
  'qwerty123', 'qwertyui', 'qwertyuiop', 'asdfghjk', 'asdfghjkl', 'zxcvbnm1', 'zxcvbnm123',
  'asd12345', 'asd123456', 'zxc12345', 'zxc123456', '1qaz2wsx', '1qaz2wsx3edc', '1q2w3e4r',
  '1q2w3e4r5t', 'q1w2e3r4', 'qweasdzxc', '123qweasd', '123qweasdzxc', 'qazwsxedc', '1qaz@wsx',
  'password', 'password1', 'password123', 'passw0rd', 'p@ssw0rd', 'p@ssword', 'admin123',
  'admin888', 'administrator', 'root1234', 'test1234', 'welcome1', 'iloveyou', 'iloveyou1',
  'woaini1314', 'woaini520', 'woaini123', '5201314520', '52013145', '5201314a', '1314520520',
  '13145201314', '520520520', '7758521a', 'wodemima', 'mima1234', 'zhangwei', 'wangfang',
  'zhang123', 'wang1234', 'li123456', 'huang123', 'abcdefgh', 'abcdefg1', 'aaaaaaaa',
  'a1b2c3d4', 'a1s2d3f4', '1a2b3c4d', 'sunshine', 'princess', 'football', 'baseball',
  'superman', 'starwars', 'whatever', 'trustno1', 'dragon123', 'monkey123', 'letmein1',
  'computer', 'internet', 'qwe123qwe', 'abc123abc', '12qwaszx', '1234qwer', '123456789a',
  'asdf1234', 'zaq12wsx', '!qaz2wsx', 'aaa111aaa', '111111aa', '112233445566', '123456123456',
  '100200300', '741852963', '789456123', '456123789', '147258369a', 'iloveu1314', 'woshishui',
  'xiaoming', 'changeme', 'default1', 'student1', 'student123', 'xuesheng', 'xuesheng123',
]);
