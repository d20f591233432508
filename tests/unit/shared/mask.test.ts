import { maskIdNumber, maskName, maskPhone, maskReference, scrubPersonalData } from '../../../cloudfunctions/shared/kernel/mask';

describe('masking personal data', () => {
  it('masks an ID number keeping the first and last four characters', () => {
    expect(maskIdNumber('37010219900307123X')).toBe('3701**********123X');
    expect(maskIdNumber('370102900307123')).toBe('3701*******7123');
  });

  it('masks phones, names and references', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskName('张三')).toBe('张*');
    expect(maskName('李䶮丰')).toBe('李*丰');
    expect(maskName('欧阳娜娜')).toBe('欧**娜');
    expect(maskReference('4200001234202611281234567890')).toBe('4200****7890');
  });

  it('scrubs ID and phone numbers out of free text but leaves longer references alone', () => {
    const line = '{"msg":"login","id":"37010219900307123X","phone":"13812345678","tx":"4200001234202611281234567890"}';
    const scrubbed = scrubPersonalData(line);
    expect(scrubbed).not.toContain('37010219900307123X');
    expect(scrubbed).not.toContain('13812345678');
    expect(scrubbed).toContain('3701**********123X');
    expect(scrubbed).toContain('138****5678');
    expect(scrubbed).toContain('4200001234202611281234567890');
  });
});

describe('scrubbing email addresses', () => {
  it('masks an address wherever it stands, keeping enough to recognise the mailbox', () => {
    const smtp = '550 5.1.1 <zhang.san+fees@example.com>: Recipient address rejected: User unknown in virtual mailbox table';
    const scrubbed = scrubPersonalData(smtp);
    expect(scrubbed).not.toContain('zhang.san+fees@example.com');
    expect(scrubbed).toBe('550 5.1.1 <zh***@example.com>: Recipient address rejected: User unknown in virtual mailbox table');
    expect(scrubPersonalData('{"msg":"sent","to":"Li_Si@Mail.Example.edu.cn"}')).toBe('{"msg":"sent","to":"Li***@Mail.Example.edu.cn"}');
    expect(scrubPersonalData('发送到zhangsan@qq.com失败')).toBe('发送到zh***@qq.com失败');
  });

  it('masks an address whose local part is a phone or ID number as an address', () => {
    expect(scrubPersonalData('to 13812345678@qq.com')).toBe('to 13***@qq.com');
    expect(scrubPersonalData('to 37010219900307123X@163.com')).toBe('to 37***@163.com');
  });

  it('leaves text without an address alone', () => {
    expect(scrubPersonalData('user@localhost and @handle and a@b')).toBe('user@localhost and @handle and a@b');
  });
});
